// SPDX-License-Identifier: Apache-2.0
// The modules and kernel_modules collectors of the real binary on this host, against processes
// the test starts itself: a dynamically linked program (its libc mapping must carry libc's real
// digest) and a program executed from a memfd (fileless code must be flagged).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Waits until /proc/PID/maps of `pid` holds `needle` (the dynamic loader maps libc after exec).
bool wait_for_mapping(pid_t pid, const std::string& needle) {
    for (int i = 0; i < 500; ++i) {
        std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
        std::stringstream text;
        text << maps.rdbuf();
        if (text.str().find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

/// Runs `collect` for `collectors` and returns the bundle directory.
fs::path collect(const fs::path& out, const std::string& collectors) {
    auto run = run_command(
        {irsnap_binary(), "collect", "-o", out.string(), "--collectors", collectors, "-q"});
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(out);
}

std::vector<json> records_of(const std::vector<json>& records, pid_t pid) {
    std::vector<json> out;
    for (const auto& r : records) {
        if (r["pid"] == pid) out.push_back(r);
    }
    return out;
}

TEST(Modules, LibcOfADynamicProcessCarriesLibcsDigest) {
    // The project's own test child may be linked statically; /bin/sleep is dynamic on Debian.
    const fs::path sleep_exe = "/bin/sleep";
    pid_t child = spawn({sleep_exe.string(), "30"});
    ASSERT_TRUE(wait_for_mapping(child, "libc.so")) << "sleep did not map libc: static?";
    TempDir tmp("irsnap-it");
    const auto bundle = collect(tmp.path() / "out", "modules");
    const auto mine = records_of(read_jsonl(artifact(bundle, "modules")), child);
    kill_and_reap(child);

    ASSERT_FALSE(mine.empty()) << "pid " << child << " not in the modules artifact";
    const json* libc = nullptr;
    const json* exe = nullptr;
    for (const auto& r : mine) {
        if (!r["path"].is_string()) continue;
        const auto path = r["path"].get<std::string>();
        if (path.find("libc.so") != std::string::npos) libc = &r;
        if (fs::path(path) == fs::canonical(sleep_exe)) exe = &r;
    }
    ASSERT_NE(libc, nullptr) << "no libc mapping reported";
    EXPECT_EQ((*libc)["kind"], "file");
    EXPECT_EQ((*libc)["executable"], true);
    EXPECT_EQ((*libc)["deleted"], false);
    EXPECT_GE((*libc)["ranges"].size(), 2u);
    EXPECT_EQ((*libc)["sha256"], file_sha256((*libc)["path"].get<std::string>()))
        << (*libc)["hash_note"];
    ASSERT_NE(exe, nullptr) << "the executable's own mapping is missing";
    EXPECT_EQ((*exe)["sha256"], file_sha256(sleep_exe));
}

TEST(Modules, ProgramRunFromAMemfdIsFlaggedInBothCollectors) {
    const std::string program = read_text_file("/bin/sleep");
    int memfd = memfd_create("irsnap-test", 0);
    ASSERT_GE(memfd, 0);
    ASSERT_EQ(write(memfd, program.data(), program.size()), static_cast<ssize_t>(program.size()));
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        char arg0[] = "sleep";
        char arg1[] = "30";
        char* argv[] = {arg0, arg1, nullptr};
        char* envp[] = {nullptr};
        fexecve(memfd, argv, envp);
        _exit(127);
    }
    close(memfd);
    const bool mapped = wait_for_mapping(child, "/memfd:irsnap-test");
    TempDir tmp("irsnap-it");
    const auto bundle = collect(tmp.path() / "out", "processes,modules");
    const auto processes = records_of(read_jsonl(artifact(bundle, "processes")), child);
    const auto modules = records_of(read_jsonl(artifact(bundle, "modules")), child);
    kill_and_reap(child);

    ASSERT_TRUE(mapped) << "the child never ran from the memfd";
    ASSERT_EQ(processes.size(), 1u);
    EXPECT_EQ(processes[0]["exe_memfd"], true);
    const json* code = nullptr;
    for (const auto& r : modules) {
        if (r["path"] == "/memfd:irsnap-test") code = &r;
    }
    ASSERT_NE(code, nullptr) << "no /memfd:irsnap-test mapping reported";
    EXPECT_EQ((*code)["memfd"], true);
    EXPECT_EQ((*code)["deleted"], true);
    EXPECT_EQ((*code)["executable"], true);
    if (geteuid() == 0) {
        // Only /proc/PID/map_files reaches a memfd's bytes, and it needs CAP_SYS_ADMIN.
        EXPECT_EQ((*code)["sha256"], sha256_hex(program));
    } else {
        EXPECT_TRUE((*code)["sha256"].is_null());
        EXPECT_FALSE((*code)["hash_note"].is_null());
    }
}

TEST(KernelModules, EveryLineOfProcModulesIsReported) {
    if (!fs::exists("/proc/modules")) {
        GTEST_SKIP() << "this kernel has no loadable module support (/proc/modules absent)";
    }
    std::ifstream in("/proc/modules");
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) lines += !line.empty();
    TempDir tmp("irsnap-it");
    const auto bundle = collect(tmp.path() / "out", "kernel_modules");
    size_t listed = 0;
    for (const auto& r : read_jsonl(artifact(bundle, "kernel_modules"))) {
        listed += r["kind"] == "module" && r["in_proc_modules"] == true;
    }
    // Modules may load or unload in between: allow a small drift, not a missing view.
    EXPECT_NEAR(static_cast<double>(listed), static_cast<double>(lines), 2.0);
}

TEST(KernelModules, KernelWithoutModulesSaysSoAndStillReportsTaint) {
    if (fs::exists("/proc/modules")) GTEST_SKIP() << "this kernel supports loadable modules";
    TempDir tmp("irsnap-it");
    const auto bundle = collect(tmp.path() / "out", "kernel_modules");
    const auto records = read_jsonl(artifact(bundle, "kernel_modules"));
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0]["kind"], "kernel");
    EXPECT_EQ(records[0]["loadable_modules"], false);
    std::ifstream tainted("/proc/sys/kernel/tainted");
    uint64_t mask = 0;
    tainted >> mask;
    EXPECT_EQ(records[0]["tainted"], mask);
    EXPECT_EQ(records[0]["module_support"], "kernel built without module support");
    // A fact about the kernel, not missing coverage: the collector is ok, so a root run on such
    // a kernel can exit 0.
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    bool seen = false;
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] != "kernel_modules") continue;
        seen = true;
        EXPECT_EQ(c["status"], "ok") << c.dump(2);
        EXPECT_TRUE(c["coverage"].empty()) << c.dump(2);
    }
    EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace irsnap::test
