// SPDX-License-Identifier: Apache-2.0
// A readdir-hooking library named by LD_PRELOAD and by an image's /etc/ld.so.preload: the
// processes and autoruns records list its hooks, and triage names process hiding.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool wait_until_exe(pid_t pid, const std::string& needle) {
    for (int i = 0; i < 400; ++i) {
        std::error_code ec;
        auto target = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
        if (!ec && target.string().find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

TEST(PreloadHooks, ReaddirHookIsListedAndTriagedAsProcessHiding) {
    TempDir tmp("irsnap-it-preload");
    // The library is put in place only after the child has started: the loader found nothing
    // to load (and an ASan build's library could not be loaded into it anyway), while irsnap
    // reads the file LD_PRELOAD names as it is at collection time.
    const fs::path lib = tmp.path() / "libhide.so";
    const std::string child_exe = fs::canonical(IRSNAP_TEST_CHILD).string();
    const pid_t child = spawn({"/usr/bin/env", "LD_PRELOAD=" + lib.string(), child_exe});
    ASSERT_TRUE(wait_until_exe(child, fs::path(child_exe).filename().string()));
    fs::copy_file(IRSNAP_HIDE_READDIR, lib);
    // An image whose /etc/ld.so.preload names the same library.
    const fs::path root = tmp.path() / "root";
    fs::create_directories(root / "etc");
    fs::create_directories(root / "lib");
    std::ofstream(root / "etc/ld.so.preload") << "/lib/libhide.so\n";
    fs::copy_file(IRSNAP_HIDE_READDIR, root / "lib/libhide.so");

    auto run = run_command({irsnap_binary(), "collect", "-q", "--collectors", "processes,autoruns",
                            "--root", root.string(), "-o", (tmp.path() / "out").string()});
    kill_and_reap(child);
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const fs::path bundle = only_bundle(tmp.path() / "out");
    const json hooks = {"readdir", "readdir64"};
    const json techniques = {"process_hiding"};

    bool seen_process = false;
    for (const auto& r : read_jsonl(artifact(bundle, "processes"))) {
        if (r["pid"] != child) continue;
        seen_process = true;
        EXPECT_EQ(r["ld_preload"], lib.string());
        EXPECT_EQ(r["ld_preload_hooks"], hooks) << r.dump();
        EXPECT_EQ(r["ld_preload_techniques"], techniques);
        EXPECT_TRUE(r["ld_preload_hooks_note"].is_null()) << r["ld_preload_hooks_note"];
    }
    EXPECT_TRUE(seen_process) << "child " << child << " not recorded";
    bool seen_autorun = false;
    for (const auto& r : read_jsonl(artifact(bundle, "autoruns"))) {
        if (r["category"] != "ld_so_preload") continue;
        seen_autorun = true;
        EXPECT_EQ(r["command"], "/lib/libhide.so");
        EXPECT_EQ(r["preload_hooks"], hooks) << r.dump();
        EXPECT_EQ(r["preload_techniques"], techniques);
    }
    EXPECT_TRUE(seen_autorun);

    auto triage = run_command({irsnap_binary(), "triage", bundle.string()});
    EXPECT_EQ(triage.exit_code, 0) << triage.err;
    const std::string named = "process hiding (readdir, readdir64 hooks)";
    const std::string process_why =
        "has LD_PRELOAD=" + lib.string() + ", which hooks libc: " + named;
    EXPECT_NE(triage.out.find("IRS-HID-005"), std::string::npos) << triage.out;
    EXPECT_NE(triage.out.find("/etc/ld.so.preload:1 makes every dynamic program load "
                              "/lib/libhide.so, which hooks libc: " +
                              named),
              std::string::npos)
        << triage.out;
    EXPECT_NE(triage.out.find(process_why), std::string::npos) << triage.out;
}

}  // namespace
}  // namespace irsnap::test
