// SPDX-License-Identifier: Apache-2.0
// Collector output over a fixture tree, compared with tests/golden/. Regenerate after an
// intended change with IRSNAP_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include "fixture_util.hpp"
#include "golden_util.hpp"
#include "irsnap/hash_cache.hpp"
#include "processes/processes.hpp"

namespace irsnap::test {
namespace {

/// Device and inode numbers depend on the machine running the test.
nlohmann::json normalise(nlohmann::json record) {
    for (auto key : {"exe_device", "exe_inode"}) {
        if (record.contains(key) && !record[key].is_null()) record[key] = "<machine-specific>";
    }
    return record;
}

/// Runs the processes collector over a fresh copy of the "basic" fixture tree.
MemorySink collect_basic(bool hash) {
    TempDir tmp("irsnap-golden");
    materialise_fixture("basic", tmp.path());
    Context ctx = fixture_context(tmp.path());
    HashCache hashes(2, 0, nullptr);
    if (hash) ctx.hashes = &hashes;
    MemorySink sink;
    collectors::collect_processes(ctx, sink);
    return sink;
}

TEST(Golden, ProcessesOverBasicFixture) {
    MemorySink sink = collect_basic(true);

    ASSERT_EQ(sink.records.size(), 3u);  // 1, 2, 4242; 4243 has a truncated stat line
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].stage, "parse");
    EXPECT_NE(sink.errors[0].path.find("4243/stat"), std::string::npos);
    compare_with_golden("processes_basic.jsonl", sink.records, normalise);
}

TEST(Golden, HostileProcessFieldsAreExact) {
    MemorySink sink = collect_basic(true);
    const nlohmann::json* evil = nullptr;
    for (const auto& r : sink.records) {
        if (r["pid"] == 4242) evil = &r;
    }
    ASSERT_NE(evil, nullptr);
    const auto& r = *evil;
    EXPECT_EQ(r["name"], "evil) proc");  // comm parsed up to the LAST ')'
    EXPECT_EQ(r["state"], "R");
    EXPECT_EQ(r["ppid"], 1);
    EXPECT_EQ(r["nice"], 5);
    EXPECT_EQ(r["tty"], "pts/0");
    EXPECT_EQ(r["user"], "alice");
    EXPECT_EQ(r["ld_preload"], "/tmp/libevil.so");
    EXPECT_EQ(r["ld_audit"], "/dev/shm/a.so");
    EXPECT_TRUE(r["ld_library_path"].is_null());
    // btime 1763770000 + 123456 ticks / 100 Hz
    EXPECT_EQ(r["start_time"], "2025-11-22T00:27:14.560000Z");
    // A file really named "x (deleted)" is not deleted: st_nlink decides, not the suffix.
    EXPECT_EQ(r["exe_path"], "../../root/tmp/x (deleted)");  // the real name, suffix and all
    EXPECT_EQ(r["exe_deleted"], false);
    EXPECT_TRUE(r["exe_sha256"].is_string());
    // Non-UTF-8 bytes are escaped reversibly and the fields are named.
    EXPECT_EQ(r["argv"][1], "--flag=\\xff\\xfe");
    EXPECT_EQ(r["argv"][2], "arg with space");
    EXPECT_EQ(r["argv"][3], "back\\\\slash");
    EXPECT_EQ(r["cwd"], "/home/alice/\\xff");
    EXPECT_EQ(r["escaped_fields"], nlohmann::json::array({"argv", "cwd"}));
    EXPECT_EQ(r["cgroup"],
              "2:memory:/user.slice;1:name=systemd:/user.slice/session-3.scope;"
              "0::/user.slice/session-3.scope");
    EXPECT_EQ(r["namespaces"]["net"], 4026532999u);
    EXPECT_TRUE(r["namespaces"]["pid"].is_null());  // absent link: unknown, not zero
}

TEST(Golden, KernelThreadHasNoExecutable) {
    MemorySink sink = collect_basic(false);
    for (const auto& r : sink.records) {
        if (r["pid"] != 2) continue;
        EXPECT_EQ(r["kernel_thread"], true);
        EXPECT_EQ(r["argv"], nlohmann::json::array());
        EXPECT_TRUE(r["exe_path"].is_null());
        return;
    }
    FAIL() << "pid 2 not emitted";
}

}  // namespace
}  // namespace irsnap::test
