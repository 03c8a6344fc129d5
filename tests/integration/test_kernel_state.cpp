// SPDX-License-Identifier: Apache-2.0
// The kernel_state collector of the real binary on this host: the settings are there, and the
// kernel log read with O_NONBLOCK ends at the newest record instead of waiting for the next.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <sstream>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(KernelState, SettingsAndTheKernelLogOnThisHost) {
    TempDir tmp("irsnap-it");
    const auto start = std::chrono::steady_clock::now();
    auto run = run_command({irsnap_binary(), "collect", "-o", (tmp.path() / "out").string(),
                            "--collectors", "kernel_state", "-q"});
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    // A read that blocked on /dev/kmsg would hang here until the run's deadline.
    EXPECT_LT(took, std::chrono::seconds(30));
    const auto records = read_jsonl(artifact(only_bundle(tmp.path() / "out"), "kernel_state"));
    const json* tainted = nullptr;
    const json* lockdown = nullptr;
    std::vector<const json*> log;
    for (const auto& r : records) {
        if (r["kind"] == "setting" && r["name"] == "kernel.tainted") tainted = &r;
        if (r["kind"] == "setting" && r["name"] == "security.lockdown") lockdown = &r;
        if (r["kind"] == "log") log.push_back(&r);
    }
    ASSERT_NE(tainted, nullptr);
    EXPECT_EQ((*tainted)["status"], "present");
    EXPECT_TRUE((*tainted)["value_int"].is_number_integer());
    EXPECT_TRUE((*tainted)["taint_flags"].is_array());
    ASSERT_NE(lockdown, nullptr);  // present, or absent without securityfs: a record either way
    if (geteuid() != 0 || ::access("/dev/kmsg", R_OK) != 0) GTEST_SKIP() << "kernel log denied";
    ASSERT_FALSE(log.empty()) << "root read no kernel log record";
    uint64_t last_seq = 0;
    for (const json* r : log) {
        const uint64_t seq = (*r)["seq"].get<uint64_t>();
        EXPECT_GE(seq, last_seq);  // oldest first, as the ring buffer holds them
        last_seq = seq;
        EXPECT_TRUE((*r)["time"].is_string());
        EXPECT_TRUE((*r)["flags"].is_array());
    }
}

}  // namespace
}  // namespace irsnap::test

namespace irsnap::test {
namespace {

size_t tracefs_mounts() {
    size_t n = 0;
    std::istringstream lines(read_text_file("/proc/self/mountinfo"));
    for (std::string line; std::getline(lines, line);) n += line.find(" - tracefs ") != line.npos;
    return n;
}

TEST(KernelState, FtraceHooksAreListedOrTheRefusalIsSaidAndNoMountStays) {
    if (geteuid() != 0) GTEST_SKIP() << "tracefs is root's";
    const size_t before = tracefs_mounts();
    TempDir tmp("irsnap-ftrace");
    auto run = run_command({irsnap_binary(), "collect", "-o", tmp.path().string(), "--collectors",
                            "kernel_state", "-q"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    // The private tracefs instance is attached nowhere: the mount table is as it was.
    EXPECT_EQ(tracefs_mounts(), before);
    const auto bundle = only_bundle(tmp.path());
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    json entry;
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] == "kernel_state") entry = c;
    }
    ASSERT_TRUE(entry.is_object());
    const bool read =
        entry["views"].is_array() && entry["views"].dump().find("\"ftrace\"") != std::string::npos;
    const bool refused =
        entry["coverage"].dump().find("ftrace hooks not read (") != std::string::npos;
    EXPECT_NE(read, refused) << entry.dump();  // one or the other, always said
    for (const auto& r : read_jsonl(artifact(bundle, "kernel_state"))) {
        if (r["kind"] != "ftrace_hook") continue;
        EXPECT_TRUE(read);
        EXPECT_FALSE(r["name"].get<std::string>().empty());
        EXPECT_TRUE(r["modules"].is_array());
    }
}

}  // namespace
}  // namespace irsnap::test
