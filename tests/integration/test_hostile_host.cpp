// SPDX-License-Identifier: Apache-2.0
// The real binary on a booby-trapped tree: a FIFO at every file the run's preparation and its
// file-based collectors read by name. A plain open() of a FIFO waits for a writer forever, so
// before the fix the run never got to its first collector.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool mentions(const json& list, const std::string& text) {
    return std::any_of(list.begin(), list.end(),
                       [&](const json& v) { return v.dump().find(text) != std::string::npos; });
}

TEST(HostileHost, FifosAtHostFilesNeitherBlockNorFoolTheRun) {
    TempDir tmp("irsnap-it-fifo");
    const fs::path root = tmp.path() / "root";
    utsname uts{};
    ASSERT_EQ(uname(&uts), 0);
    const std::vector<std::string> fifos = {
        "etc/passwd",
        "etc/group",
        "etc/hosts",
        "etc/os-release",
        "etc/machine-id",
        "etc/resolv.conf",
        "etc/crontab",
        "run/utmp",
        std::string("lib/modules/") + uts.release + "/modules.dep"};
    for (const auto& rel : fifos) {
        fs::create_directories((root / rel).parent_path());
        ASSERT_EQ(::mkfifo((root / rel).c_str(), 0600), 0) << rel;
    }
    const fs::path tz = tmp.path() / "tz-fifo";  // TZ is read before anything else
    ASSERT_EQ(::mkfifo(tz.c_str(), 0600), 0);
    const fs::path out = tmp.path() / "out";

    // coreutils' timeout is the test's own guard: a hang is a failure here, not a stuck suite.
    const auto start = std::chrono::steady_clock::now();
    auto run = run_command({"/usr/bin/timeout", "-s", "KILL", "60", "/usr/bin/env",
                            "TZ=" + tz.string(), irsnap_binary(), "collect", "-q", "--collectors",
                            "system,processes,kernel_modules,network_config,autoruns", "--root",
                            root.string(), "-o", out.string()});
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_NE(run.exit_code, 128 + 9) << "killed by timeout: the run blocked";
    EXPECT_LT(took, std::chrono::seconds(20));
    // Reduced coverage (1): the refused files are item errors. Never 4 or 6.
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.exit_code << run.err;

    const fs::path bundle = only_bundle(out);
    auto verified = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    const json& notes = manifest["notes"];
    for (const char* rel :
         {"etc/os-release", "etc/hosts", "etc/machine-id", "etc/passwd", "etc/group"}) {
        EXPECT_TRUE(mentions(notes, (root / rel).string())) << rel << " " << notes.dump(2);
    }
    EXPECT_TRUE(mentions(notes, "time zone")) << notes.dump(2);
    EXPECT_TRUE(mentions(notes, "FIFO")) << notes.dump(2);
    EXPECT_TRUE(manifest["host"]["utc_offset"].is_null()) << "a FIFO is no zone file";
    EXPECT_EQ(manifest["host"]["machine_id"], "");
    const std::string log = read_text_file(bundle / "collection.log");
    EXPECT_NE(log.find("etc/passwd"), std::string::npos);

    std::map<std::string, json> by_name;
    for (const auto& c : manifest["collectors"]) by_name[c["name"]] = c;
    // Each collector that reads one of the files names it among its errors.
    EXPECT_TRUE(mentions(by_name["processes"]["errors"], "etc/passwd"))
        << by_name["processes"].dump(2);
    EXPECT_TRUE(mentions(by_name["autoruns"]["errors"], "/etc/passwd"))
        << by_name["autoruns"].dump(2);
    EXPECT_TRUE(mentions(by_name["network_config"]["errors"], "/etc/hosts"))
        << by_name["network_config"].dump(2);
    EXPECT_TRUE(mentions(by_name["system"]["errors"], "run/utmp")) << by_name["system"].dump(2);
    for (const auto& [name, c] : by_name) {
        if (c["status"] == "skipped") continue;
        EXPECT_TRUE(c["status"] == "ok" || c["status"] == "partial") << c.dump(2);
        EXPECT_FALSE(c["artifact"].is_null()) << name;
    }
}

}  // namespace
}  // namespace irsnap::test
