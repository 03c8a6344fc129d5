// SPDX-License-Identifier: Apache-2.0
// iter/task_file's record stream over literal bytes: records with their paths, a record cut
// between two chunks, a failed d_path, and streams from another build; iter/ksym's module names.
#include <gtest/gtest.h>
#include <linux/types.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <string>
#include <vector>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_files.hpp"
#include "irsnap/linux/kernel_symbols.hpp"

namespace irsnap {
namespace {

using kernel_view::KernelFile;

/// One record as the BPF program writes it; `path_status` < 0 is a failed d_path.
std::string file_bytes(int32_t tgid, int32_t fd, const std::string& path, int32_t path_status = 0,
                       uint16_t kind = IRSNAP_ITER_TASK_FILE) {
    irsnap_file_record r{};
    r.kind = kind;
    r.tgid = tgid;
    r.fd = fd;
    r.flags = 02000002;  // O_RDWR | O_CLOEXEC
    r.mode = S_IFREG | 0644;
    r.nlink = 1;
    r.dev = (254u << 20) | 1u;
    r.mnt_id = 27;
    r.ino = 12369953;
    r.file_size = 10;
    r.pos = 4;
    r.fs_magic = 0xEF53;
    r.path_status = path_status < 0 ? path_status : static_cast<int32_t>(path.size());
    std::strncpy(r.comm, "sshd", sizeof(r.comm));
    const std::string tail = path_status < 0 ? "" : path;
    r.size = static_cast<uint16_t>(sizeof(r) + tail.size());
    return std::string(reinterpret_cast<const char*>(&r), sizeof(r)) + tail;
}

struct Seen {
    int32_t tgid, fd;
    std::string path;
    bool has_path;
    int error;
    std::string comm;
    uint64_t device, inode, position, size;
    uint32_t flags;
    int32_t mnt_id;
};

Result<size_t> parse(std::string_view bytes, std::vector<Seen>& out) {
    return kernel_view::parse_file_records(bytes, [&](const KernelFile& f) {
        out.push_back({f.tgid, f.fd, f.path ? std::string(*f.path) : "", f.path.has_value(),
                       f.path_error, std::string(f.comm), f.device, f.inode, f.position, f.size,
                       f.flags, f.mnt_id});
    });
}

TEST(KernelFiles, RecordsParseWithTheirPathsAndStatEncodedDevice) {
    const std::string bytes =
        file_bytes(42, 3, "/tmp/kept.txt") + file_bytes(42, 4, "socket:[16075260]");
    std::vector<Seen> seen;
    auto used = parse(bytes, seen);
    ASSERT_TRUE(used.ok()) << used.error().text();
    EXPECT_EQ(*used, bytes.size());
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].path, "/tmp/kept.txt");
    EXPECT_EQ(seen[1].path, "socket:[16075260]");
    EXPECT_EQ(seen[0].comm, "sshd");
    EXPECT_EQ(seen[0].fd, 3);
    EXPECT_EQ(seen[0].inode, 12369953u);
    EXPECT_EQ(seen[0].position, 4u);
    EXPECT_EQ(seen[0].size, 10u);
    EXPECT_EQ(seen[0].flags, 02000002u);
    EXPECT_EQ(seen[0].mnt_id, 27);
    // The kernel's 254:1 as stat reports it.
    EXPECT_EQ(major(seen[0].device), 254u);
    EXPECT_EQ(minor(seen[0].device), 1u);
}

TEST(KernelFiles, ARecordCutBetweenChunksIsLeftForTheNext) {
    const std::string first = file_bytes(7, 0, "/dev/null");
    const std::string second = file_bytes(7, 1, "/var/log/a-rather-long-log-file-name.log");
    const std::string stream = first + second;
    // Cut inside the second record's header, then inside its path.
    for (size_t cut : {first.size() + 10, first.size() + sizeof(irsnap_file_record) + 5}) {
        std::vector<Seen> seen;
        auto used = parse(std::string_view(stream).substr(0, cut), seen);
        ASSERT_TRUE(used.ok());
        EXPECT_EQ(*used, first.size());
        ASSERT_EQ(seen.size(), 1u);
        const std::string rest = stream.substr(*used);
        auto more = parse(rest, seen);
        ASSERT_TRUE(more.ok());
        EXPECT_EQ(*more, rest.size());
        ASSERT_EQ(seen.size(), 2u);
        EXPECT_EQ(seen[1].path, "/var/log/a-rather-long-log-file-name.log");
    }
}

TEST(KernelFiles, AFailedPathIsAnErrorNumberNotAnEmptyPath) {
    std::vector<Seen> seen;
    auto used = parse(file_bytes(9, 5, "", -36), seen);  // ENAMETOOLONG
    ASSERT_TRUE(used.ok());
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_FALSE(seen[0].has_path);
    EXPECT_EQ(seen[0].error, 36);
    // An empty path the kernel did build is a path, not a failure.
    seen.clear();
    ASSERT_TRUE(parse(file_bytes(9, 6, ""), seen).ok());
    EXPECT_TRUE(seen[0].has_path);
}

TEST(KernelFiles, AnotherBuildsOrAnImpossibleRecordIsRefused) {
    std::vector<Seen> seen;
    EXPECT_FALSE(parse(file_bytes(1, 0, "/x", 0, IRSNAP_ITER_TASK), seen).ok());
    std::string lying = file_bytes(1, 0, "/x");
    lying[0] = static_cast<char>(lying[0] + 1);  // size disagrees with the path length
    EXPECT_FALSE(parse(lying, seen).ok());
    irsnap_file_record huge{};
    huge.kind = IRSNAP_ITER_TASK_FILE;
    huge.path_status = 5000;  // longer than the kernel's buffer
    huge.size = static_cast<uint16_t>(sizeof(huge) + 5000);
    EXPECT_FALSE(parse(std::string(reinterpret_cast<const char*>(&huge), sizeof(huge)), seen).ok());
    EXPECT_TRUE(seen.empty());
    // Fewer bytes than a header: nothing used, nothing refused (the rest may come).
    auto partial = parse(std::string(10, '\0'), seen);
    ASSERT_TRUE(partial.ok());
    EXPECT_EQ(*partial, 0u);
}

TEST(KernelFiles, OnlyPlainFileSystemsAreTakenAtTheInodesWord) {
    EXPECT_TRUE(kernel_view::stat_reports_inode(0xEF53));       // ext4
    EXPECT_TRUE(kernel_view::stat_reports_inode(0x01021994));   // tmpfs
    EXPECT_FALSE(kernel_view::stat_reports_inode(0x794c7630));  // overlayfs
    EXPECT_FALSE(kernel_view::stat_reports_inode(0x9123683E));  // btrfs
    EXPECT_FALSE(kernel_view::stat_reports_inode(0x6969));      // NFS
    EXPECT_FALSE(kernel_view::stat_reports_inode(0));
}

std::string ksym_bytes(const char* module, uint16_t size = sizeof(irsnap_ksym_record)) {
    irsnap_ksym_record r{};
    r.size = size;
    r.kind = IRSNAP_ITER_KSYM;
    std::strncpy(r.module, module, sizeof(r.module) - 1);
    return std::string(reinterpret_cast<const char*>(&r), sizeof(r));
}

TEST(KernelSymbols, ModuleNamesComeInOrderAndPseudoModulesAreKnown) {
    const std::string bytes = ksym_bytes("diamorphine") + ksym_bytes("diamorphine") +
                              ksym_bytes("bpf") + ksym_bytes("ext4");
    std::vector<std::string> names;
    auto used = kernel_view::parse_ksym_records(bytes.substr(0, bytes.size() - 3),
                                                [&](std::string_view m) { names.emplace_back(m); });
    ASSERT_TRUE(used.ok());
    EXPECT_EQ(*used, 3 * sizeof(irsnap_ksym_record));  // the cut fourth waits for more
    EXPECT_EQ(names, (std::vector<std::string>{"diamorphine", "diamorphine", "bpf"}));
    EXPECT_TRUE(kernel_view::is_pseudo_module("bpf"));
    EXPECT_TRUE(kernel_view::is_pseudo_module("__builtin__ftrace"));
    EXPECT_FALSE(kernel_view::is_pseudo_module("diamorphine"));
    EXPECT_FALSE(
        kernel_view::parse_ksym_records(ksym_bytes("x", 63), [](std::string_view) {}).ok());
}

}  // namespace
}  // namespace irsnap
