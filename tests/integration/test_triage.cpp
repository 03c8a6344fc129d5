// SPDX-License-Identifier: Apache-2.0
// `irsnap triage` on bundles this test produces: a planted suspicious child must yield the
// matching findings with evidence that points at its own records; a clean child none.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint16_t k_irc_port = 6667;

/// The line `line` (1-based) of `path`, parsed.
json record_at(const fs::path& bundle, const std::string& artifact, uint64_t line) {
    std::ifstream in(bundle / artifact);
    std::string text;
    for (uint64_t i = 0; i < line && std::getline(in, text); ++i) {
    }
    return json::parse(text, nullptr, false);
}

/// Does the evidence name `pid`, as a process (pid) or as a socket owner (owners[].pid)?
bool names_pid(const json& fields, pid_t pid) {
    if (fields.contains("pid") && fields["pid"] == pid) return true;
    if (fields.contains("owners")) {
        for (const auto& o : fields["owners"]) {
            if (o["pid"] == pid) return true;
        }
    }
    return false;
}

/// Findings of `rule` whose evidence names `pid`; each evidence line is checked to be the
/// record it claims to be.
std::vector<json> findings_for(const json& report, const fs::path& bundle, const std::string& rule,
                               pid_t pid) {
    std::vector<json> hits;
    for (const auto& f : report["findings"]) {
        if (f["rule_id"] != rule) continue;
        for (const auto& e : f["evidence"]) {
            if (!names_pid(e["fields"], pid)) continue;
            const json record = record_at(bundle, e["artifact"], e["line"].get<uint64_t>());
            EXPECT_TRUE(record.is_object()) << e.dump();
            for (const auto& [key, value] : e["fields"].items()) {
                EXPECT_EQ(record[key], value) << "evidence " << e.dump() << " is not its line";
            }
            hits.push_back(f);
            break;
        }
    }
    return hits;
}

json triage(const fs::path& bundle) {
    auto run = run_command({irsnap_binary(), "triage", bundle.string(), "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    json report = json::parse(run.out, nullptr, false);
    EXPECT_TRUE(report.is_object()) << run.out;
    return report;
}

fs::path collect_for_triage(const fs::path& out) {
    auto run = run_command({irsnap_binary(), "collect", "-o", out.string(), "--collectors",
                            "processes,network,modules", "-q"});
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(out);
}

bool accept_within(int listen_fd, int timeout_ms, int& accepted) {
    pollfd p{listen_fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    accepted = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    return accepted >= 0;
}

TEST(Triage, PlantedChildYieldsItsFindingsAndACleanChildNone) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to read every process's environment";
    TempDir tmp("irsnap-triage");
    std::unique_ptr<LoopbackListener> irc;
    try {
        irc = std::make_unique<LoopbackListener>(k_irc_port);
    } catch (const std::exception&) {
        GTEST_SKIP() << "port " << k_irc_port << " is taken on this host";
    }

    // The planted child: a copy of a program in a temporary directory, started with
    // LD_PRELOAD, named like a kernel thread, talking to "IRC", and then deleted.
    const fs::path planted = tmp.path() / "update-helper";
    fs::copy_file(IRSNAP_TEST_CHILD, planted);
    const std::string preload = (tmp.path() / "libhide.so").string();  // absent: ld.so skips it
    pid_t bad = spawn({"/usr/bin/env", "LD_PRELOAD=" + preload, "/bin/bash", "-c",
                       "exec -a '[kworker/7:2]' \"$0\" \"$@\"", planted.string(),
                       "--irsnap-test-connect", std::to_string(k_irc_port)});
    int accepted = -1;
    ASSERT_TRUE(accept_within(irc->fd(), 5000, accepted)) << "planted child did not connect";
    fs::remove(planted);
    // The clean child: the same program from the build tree, nothing added.
    pid_t good = spawn({fs::canonical(IRSNAP_TEST_CHILD).string()});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

    const fs::path bundle = collect_for_triage(tmp.path() / "out");
    kill_and_reap(bad);
    kill_and_reap(good);
    ::close(accepted);
    const json report = triage(bundle);
    ASSERT_TRUE(report.contains("findings"));
    EXPECT_EQ(report["bundle"]["verified"], true);

    for (const char* rule :
         {"IRS-EXE-001", "IRS-EXE-003", "IRS-EXE-004", "IRS-ENV-001", "IRS-NET-001"}) {
        auto hits = findings_for(report, bundle, rule, bad);
        EXPECT_EQ(hits.size(), 1u) << rule << " for the planted child " << bad << "\n"
                                   << report.dump(1);
    }
    const auto irc_hit = findings_for(report, bundle, "IRS-NET-001", bad);
    if (!irc_hit.empty()) {
        EXPECT_EQ(irc_hit[0]["urgency"], "high");
        EXPECT_EQ(irc_hit[0]["evidence"][0]["fields"]["remote_port"], k_irc_port);
        EXPECT_EQ(irc_hit[0]["attack"], "T1071");
    }
    const auto preload_hit = findings_for(report, bundle, "IRS-ENV-001", bad);
    if (!preload_hit.empty()) {
        EXPECT_EQ(preload_hit[0]["evidence"][0]["fields"]["ld_preload"], preload);
        EXPECT_EQ(preload_hit[0]["urgency"], "critical") << "a preload from /tmp is critical";
    }
    for (const auto& f : report["findings"]) {
        for (const auto& e : f["evidence"]) {
            EXPECT_FALSE(names_pid(e["fields"], good)) << "clean child in " << f.dump();
        }
    }
}

TEST(Triage, TarBundleGivesTheSameFindingsAsItsUnpackedDirectory) {
    TempDir tmp("irsnap-triage");
    const fs::path tar = tmp.path() / "host.tar";
    auto streamed = run_redirected(
        {irsnap_binary(), "collect", "-o", "-", "--collectors", "processes,network,modules", "-q"},
        "/dev/null", tar.string());
    ASSERT_TRUE(streamed.exit_code == 0 || streamed.exit_code == 1) << streamed.err;
    const fs::path into = tmp.path() / "unpacked";
    fs::create_directories(into);
    auto unpack = run_command({irsnap_binary(), "unpack", tar.string(), into.string()});
    ASSERT_EQ(unpack.exit_code, 0) << unpack.err;
    const json from_tar = triage(tar);
    const json from_dir = triage(only_bundle(into));
    EXPECT_EQ(from_tar["bundle"]["verified"], true);
    EXPECT_EQ(from_tar["bundle"]["name"], from_dir["bundle"]["name"]);
    EXPECT_EQ(from_tar["bundle"]["host"], from_dir["bundle"]["host"]);
    EXPECT_FALSE(from_tar["bundle"]["collected"].get<std::string>().empty());
    EXPECT_EQ(from_tar["findings"], from_dir["findings"]);
}

TEST(Triage, ChangedBundleStillTriagedButExitsVerifyFailed) {
    TempDir tmp("irsnap-triage");
    const fs::path bundle = collect_for_triage(tmp.path() / "out");
    std::ofstream(bundle / "artifacts" / "07_processes.jsonl", std::ios::app) << "not json\n";
    auto run = run_command({irsnap_binary(), "triage", bundle.string()});
    EXPECT_EQ(run.exit_code, 5) << run.err;
    EXPECT_NE(run.out.find("NOT VERIFIED"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("1 lines not JSON"), std::string::npos) << run.out;
}

TEST(Triage, UsageErrorsAndRuleList) {
    auto none = run_command({irsnap_binary(), "triage"});
    EXPECT_EQ(none.exit_code, 2);
    auto missing = run_command({irsnap_binary(), "triage", "/nonexistent/bundle"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("/nonexistent/bundle"), std::string::npos) << missing.err;
    auto bad_level = run_command({irsnap_binary(), "triage", "x", "--urgency", "severe"});
    EXPECT_EQ(bad_level.exit_code, 2);
    auto list = run_command({irsnap_binary(), "triage", "--list-rules", "--json"});
    ASSERT_EQ(list.exit_code, 0);
    const json rules = json::parse(list.out);
    ASSERT_GE(rules.size(), 20u);
    std::set<std::string> ids;
    for (const auto& r : rules) {
        EXPECT_FALSE(r["rationale"].get<std::string>().empty()) << r.dump();
        EXPECT_TRUE(ids.insert(r["id"]).second) << "duplicate id " << r["id"];
    }
}

}  // namespace
}  // namespace irsnap::test
