// SPDX-License-Identifier: Apache-2.0
// Statuses and error domains: one table each, so what the manifest spells is read back the same,
// and a string a bundle made up is no crash.
#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "irsnap/result.hpp"
#include "irsnap/status.hpp"

namespace irsnap {
namespace {

TEST(Status, EveryCollectorStatusRoundTrips) {
    for (auto s : {CollectorStatus::ok, CollectorStatus::partial, CollectorStatus::failed,
                   CollectorStatus::skipped}) {
        EXPECT_EQ(collector_status_from_string(to_string(s)), s) << to_string(s);
    }
    EXPECT_EQ(to_string(CollectorStatus::ok), "ok");
    EXPECT_EQ(to_string(CollectorStatus::partial), "partial");
    EXPECT_EQ(to_string(CollectorStatus::failed), "failed");
    EXPECT_EQ(to_string(CollectorStatus::skipped), "skipped");
}

TEST(Status, EveryRunStatusRoundTrips) {
    for (auto s :
         {RunStatus::complete, RunStatus::partial, RunStatus::interrupted, RunStatus::incomplete}) {
        EXPECT_EQ(run_status_from_string(to_string(s)), s) << to_string(s);
    }
    EXPECT_EQ(to_string(RunStatus::complete), "complete");
    EXPECT_EQ(to_string(RunStatus::incomplete), "incomplete");
}

TEST(Status, SkipReasonsKeepTheirManifestText) {
    EXPECT_EQ(to_string(SkipReason::not_selected), "not selected (--collectors)");
    EXPECT_EQ(to_string(SkipReason::excluded), "excluded (--exclude)");
    EXPECT_EQ(to_string(SkipReason::not_on_this_platform), "not available on this platform");
    EXPECT_EQ(to_string(SkipReason::interrupted), "not run: interrupted");
    EXPECT_EQ(to_string(SkipReason::output_failed), "not run: output failed");
    EXPECT_EQ(to_string(SkipReason::off_by_default), "off by default (its option turns it on)");
}

TEST(Status, UnknownTextFromABundleIsNoStatus) {
    for (const char* text : {"", "OK", "complete ", "unknown", "\xff\xfe", "ok\n"}) {
        EXPECT_FALSE(collector_status_from_string(text)) << text;
        EXPECT_FALSE(run_status_from_string(text)) << text;
    }
    // A collector status is no run status, and the reverse, except the one both have.
    EXPECT_FALSE(run_status_from_string("ok"));
    EXPECT_FALSE(collector_status_from_string("complete"));
    EXPECT_EQ(run_status_from_string("partial"), RunStatus::partial);
}

TEST(ErrorDomain, NamesRoundTripAndUnknownNamesAreNone) {
    for (auto d :
         {ErrorDomain::none, ErrorDomain::errno_value, ErrorDomain::win32, ErrorDomain::ntstatus}) {
        EXPECT_EQ(error_domain_from_name(error_domain_name(d)), d);
    }
    EXPECT_EQ(error_domain_name(ErrorDomain::errno_value), "errno");
    EXPECT_EQ(error_domain_name(ErrorDomain::win32), "win32");
    EXPECT_EQ(error_domain_name(ErrorDomain::ntstatus), "ntstatus");
    EXPECT_EQ(error_domain_name(ErrorDomain::none), "none");
    EXPECT_FALSE(error_domain_from_name("netlink"));
    EXPECT_FALSE(error_domain_from_name("ERRNO"));
}

TEST(ItemError, FactoriesNameTheDomain) {
    auto e = ItemError::from_errno("open", EACCES, "/etc/shadow");
    EXPECT_EQ(e.domain, ErrorDomain::errno_value);
    EXPECT_EQ(e.stage, "open");
    EXPECT_EQ(e.code, EACCES);
    EXPECT_EQ(e.path, "/etc/shadow");
    EXPECT_EQ(e.message, std::strerror(EACCES));  // the message collectors always wrote
    EXPECT_EQ(e.text(), std::strerror(EACCES));

    auto given = ItemError::from_errno("read", EFBIG, "/x", "larger than the cap");
    EXPECT_EQ(given.message, "larger than the cap");
    EXPECT_EQ(given.text(), std::strerror(EFBIG));

    auto w = ItemError::from_win32("open_key", 5ul, "HKLM\\x", "access denied");
    EXPECT_EQ(w.domain, ErrorDomain::win32);
    EXPECT_EQ(w.code, 5);
    EXPECT_EQ(w.text(), "Win32 error 5");

    auto n = ItemError::from_ntstatus("ntquery", static_cast<long>(0xC0000022), "", "denied");
    EXPECT_EQ(n.domain, ErrorDomain::ntstatus);
    EXPECT_EQ(n.code, static_cast<int>(0xC0000022));
    EXPECT_EQ(n.text(), "NTSTATUS 0xc0000022");

    auto p = ItemError::without_code("parse", "/proc/stat", "no btime");
    EXPECT_EQ(p.domain, ErrorDomain::none);
    EXPECT_EQ(p.code, 0);
    EXPECT_EQ(p.text(), "");

    auto moved = e.at("/proc/1/exe");
    EXPECT_EQ(moved.path, "/proc/1/exe");
    EXPECT_EQ(moved.domain, ErrorDomain::errno_value);
    EXPECT_EQ(moved.code, EACCES);
    EXPECT_EQ(moved.stage, "open");
}

TEST(ItemError, UnknownErrnoHasStrerrorsText) {
    // strerror's text for an unknown number lives in a buffer its next call frees: copy it
    // before from_errno (which asks strerror too) runs.
    const std::string expected = std::strerror(99999);
    EXPECT_EQ(ItemError::from_errno("x", 99999, "").message, expected);
}

}  // namespace
}  // namespace irsnap
