// SPDX-License-Identifier: Apache-2.0
// The descriptor parsers, the run's shared descriptor walk and the handles collector over the
// "basic" fixture tree.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "fixture_util.hpp"
#include "golden_util.hpp"
#include "handles/handles.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/open_handles.hpp"
#include "network/network.hpp"

namespace irsnap::test {
namespace {

using nlohmann::json;

TEST(ProcFdinfo, PositionFlagsAndMount) {
    auto info =
        procfs::parse_proc_pid_fdinfo("pos:\t1234\nflags:\t0102002\nmnt_id:\t25\nino:\t7\n");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->pos, 1234u);
    EXPECT_EQ(info->flags, 0102002u);  // octal in the file
    EXPECT_EQ(info->mnt_id, 25);
}

TEST(ProcFdinfo, TypeSpecificLinesAreIgnored) {
    auto info = procfs::parse_proc_pid_fdinfo(
        "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\ntfd:        5 events:       19 data: "
        "5  pos:0 ino:3a sdev:8\neventfd-count: 0\n");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->pos, 0u);
    EXPECT_EQ(info->flags, 02u);
    EXPECT_EQ(info->mnt_id, 15);
}

TEST(ProcFdinfo, MissingOrMalformedFieldsAreRejected) {
    EXPECT_FALSE(procfs::parse_proc_pid_fdinfo(""));
    EXPECT_FALSE(procfs::parse_proc_pid_fdinfo("pos:\t1\n"));              // no flags
    EXPECT_FALSE(procfs::parse_proc_pid_fdinfo("flags:\t02\n"));           // no pos
    EXPECT_FALSE(procfs::parse_proc_pid_fdinfo("pos:\tx\nflags:\t02\n"));  // not a number
    EXPECT_FALSE(procfs::parse_proc_pid_fdinfo("pos:\t1\nflags:\t09\n"));  // 9 is not octal
    auto no_mount = procfs::parse_proc_pid_fdinfo("pos:\t1\nflags:\t02\nmnt_id:\t?\n");
    ASSERT_TRUE(no_mount);
    EXPECT_EQ(no_mount->mnt_id, -1);
}

TEST(ProcFd, KindsFromTheLinkTextAndTheMode) {
    auto kind = [](std::string_view target, uint32_t mode, uint32_t nlink, bool has_stat) {
        return procfs::classify_fd(target, mode, nlink, has_stat);
    };
    EXPECT_EQ(kind("socket:[1]", S_IFSOCK, 1, true).type, "socket");
    EXPECT_EQ(kind("pipe:[2]", S_IFIFO, 1, true).type, "pipe");
    EXPECT_EQ(kind("/run/initctl", S_IFIFO, 1, true).type, "fifo");
    EXPECT_EQ(kind("/dev/null", S_IFCHR, 1, true).type, "char_device");
    EXPECT_EQ(kind("/dev/sda", S_IFBLK, 1, true).type, "block_device");
    EXPECT_EQ(kind("/etc", S_IFDIR, 2, true).type, "directory");
    auto anon = kind("anon_inode:[eventpoll]", 0, 1, true);
    EXPECT_EQ(anon.type, "anon_inode");
    EXPECT_EQ(anon.anon_kind, "eventpoll");
    EXPECT_EQ(kind("anon_inode:bpf-map", 0, 1, true).anon_kind, "bpf-map");
    auto memfd = kind("/memfd:stage2 (deleted)", S_IFREG, 1, true);
    EXPECT_EQ(memfd.type, "memfd");
    EXPECT_TRUE(memfd.deleted);
    // st_nlink decides deletion, not the text: a file may be named "x (deleted)".
    auto named = kind("/tmp/x (deleted)", S_IFREG, 1, true);
    EXPECT_EQ(named.type, "file");
    EXPECT_FALSE(named.deleted);
    auto gone = kind("/tmp/payload (deleted)", S_IFREG, 0, true);
    EXPECT_TRUE(gone.deleted);
    auto unknown = kind("/tmp/payload (deleted)", 0, 0, false);  // stat failed: text only
    EXPECT_EQ(unknown.type, "unknown");
    EXPECT_TRUE(unknown.deleted);
}

TEST(ProcFd, OpenFlagNames) {
    EXPECT_EQ(procfs::describe_open_flags(0), "O_RDONLY");
    EXPECT_EQ(procfs::describe_open_flags(02 | 02000 | 02000000), "O_RDWR|O_APPEND|O_CLOEXEC");
    EXPECT_EQ(procfs::describe_open_flags(01 | 0100000), "O_WRONLY|O_LARGEFILE");
    EXPECT_EQ(procfs::describe_open_flags(010000000), "O_RDONLY|O_PATH");
}

TEST(OpenHandles, CopiesOfAContextShareOneWalk) {
    TempDir tmp("irsnap-handles");
    materialise_fixture("basic", tmp.path());
    Context ctx = fixture_context(tmp.path());
    Context copy = ctx;  // the runner copies the template context for every collector
    const HandleSnapshot& first = ctx.open_handles("network");
    const HandleSnapshot& second = copy.open_handles("handles");
    EXPECT_EQ(&first, &second);
    EXPECT_EQ(second.taken_by, "network");
    EXPECT_TRUE(first.complete);
    // pid 1: fd 3; pid 4242: fds 5-12; the fixture's other processes have no fd directory.
    EXPECT_EQ(first.handles.size(), 9u);
    EXPECT_EQ(first.processes, 2u);
}

std::vector<json> collect_handles_over_basic(MemorySink& sink) {
    TempDir tmp("irsnap-handles");
    materialise_fixture("basic", tmp.path());
    Context ctx = fixture_context(tmp.path());
    HashCache hashes(1, 0, nullptr);
    ctx.hashes = &hashes;
    collectors::collect_handles(ctx, sink);
    return sink.records;
}

json machine_independent(json record) {
    for (auto key : {"device", "inode"}) {
        if (record.contains(key) && record["target"] == "/dev/null") record[key] = "<machine>";
    }
    return record;
}

TEST(Golden, HandlesOverBasicFixture) {
    MemorySink sink;
    auto records = collect_handles_over_basic(sink);
    EXPECT_TRUE(sink.errors.empty());
    compare_with_golden("handles_basic.jsonl", records, machine_independent);
}

TEST(HandlesCollector, KindsFlagsAndSocketLinksOverTheFixture) {
    MemorySink sink;
    auto records = collect_handles_over_basic(sink);
    auto fd = [&](int pid, int number) -> const json& {
        for (const auto& r : records) {
            if (r["pid"] == pid && r["fd"] == number) return r;
        }
        static const json none;
        return none;
    };
    EXPECT_EQ(fd(1, 3)["type"], "socket");
    EXPECT_EQ(fd(1, 3)["socket_inode"], 12345);
    // A socket's fdinfo is not read (always O_RDWR, pos 0), though the fixture has one.
    EXPECT_TRUE(fd(1, 3)["flags"].is_null());  // null, never absent (every declared field)
    EXPECT_TRUE(fd(1, 3)["position"].is_null());
    EXPECT_TRUE(fd(1, 3)["size"].is_null());
    EXPECT_EQ(fd(4242, 7)["type"], "char_device");
    EXPECT_EQ(fd(4242, 7)["position"], 1234);
    EXPECT_EQ(fd(4242, 7)["flags"], "O_WRONLY|O_LARGEFILE");
    EXPECT_EQ(fd(4242, 7)["mount_id"], 25);
    EXPECT_EQ(fd(4242, 10)["type"], "memfd");
    EXPECT_EQ(fd(4242, 10)["deleted"], true);
    EXPECT_EQ(fd(4242, 11)["type"], "anon_inode");
    EXPECT_EQ(fd(4242, 11)["anon_kind"], "eventfd");
    EXPECT_TRUE(fd(4242, 11)["flags"].is_null());  // its fdinfo is malformed: null
    EXPECT_EQ(fd(4242, 12)["socket_inode"], 99999);
    EXPECT_TRUE(fd(4242, 12).contains("position"));  // no fdinfo file at all: null
    EXPECT_TRUE(fd(4242, 12)["position"].is_null());
    EXPECT_EQ(fd(4242, 5)["process_name"], "evil) proc");
}

TEST(HandlesCollector, ReleasesTheSharedWalkWhenDone) {
    // handles is the walk's last user: the snapshot (most of a busy host's memory) is freed,
    // and a later request gets an empty, incomplete one instead of a second walk.
    TempDir tmp("irsnap-handles-release");
    materialise_fixture("basic", tmp.path());
    Context ctx = fixture_context(tmp.path());
    EXPECT_GT(ctx.open_handles("network").handles.size(), 0u);
    MemorySink sink;
    collectors::collect_handles(ctx, sink);
    EXPECT_GT(sink.records.size(), 0u);
    const HandleSnapshot& after = ctx.open_handles("later");
    EXPECT_TRUE(after.handles.empty());
    EXPECT_FALSE(after.complete);
    EXPECT_EQ(after.taken_by, "(released)");
}

}  // namespace
}  // namespace irsnap::test
