// SPDX-License-Identifier: Apache-2.0
// PackedHandles must give back exactly what went in, in order, across block boundaries and
// merges, while holding far less than the plain records.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "irsnap/packed_handles.hpp"

namespace irsnap {
namespace {

struct Plain {
    OpenHandle h;
    std::string text;
};

std::vector<Plain> random_handles(size_t count, uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Plain> out;
    int32_t pid = 1;
    const char* prefixes[] = {"/tmp/irsnap-bench/file-",
                              "socket:[",
                              "pipe:[",
                              "/dev/pts/",
                              "/usr/lib/x86_64-linux-gnu/libc.so.6",
                              "anon_inode:[eventfd]",
                              ""};
    for (size_t i = 0; i < count; ++i) {
        Plain p;
        if (rng() % 8 == 0) pid += static_cast<int32_t>(rng() % 50) + 1;
        if (rng() % 97 == 0) pid = static_cast<int32_t>(rng() % 4194304);  // not monotonic
        p.h.pid = pid;
        p.h.fd = static_cast<int32_t>(rng() % 70000);
        p.h.process = static_cast<uint32_t>(rng() % 3000);
        p.text = prefixes[rng() % 7] + std::to_string(rng() % 100000);
        if (rng() % 50 == 0) p.text.push_back('\xff');  // raw bytes survive
        p.h.has_stat = rng() % 2;
        if (p.h.has_stat) {
            p.h.mode = static_cast<uint32_t>(rng());
            p.h.device = rng();
            p.h.inode = rng();
            p.h.size = rng() % 3 == 0 ? UINT64_MAX : rng() % 100000;
            p.h.nlink = static_cast<uint32_t>(rng() % 3);
        }
        p.h.has_fdinfo = rng() % 2;
        if (p.h.has_fdinfo) {
            p.h.position = rng();
            p.h.flags = static_cast<uint32_t>(rng());
            p.h.mnt_id = rng() % 4 == 0 ? -1 : static_cast<int32_t>(rng() % 5000);
        }
        p.h.content = rng() % 5 == 0 ? static_cast<int32_t>(rng() % 20000) : -1;
        out.push_back(std::move(p));
    }
    for (auto& p : out) p.h.target = p.text;
    return out;
}

void expect_same(const OpenHandle& got, const OpenHandle& want, size_t i) {
    EXPECT_EQ(got.pid, want.pid) << i;
    EXPECT_EQ(got.fd, want.fd) << i;
    EXPECT_EQ(got.process, want.process) << i;
    EXPECT_EQ(got.target, want.target) << i;
    EXPECT_EQ(got.has_stat, want.has_stat) << i;
    EXPECT_EQ(got.mode, want.has_stat ? want.mode : 0u) << i;
    EXPECT_EQ(got.device, want.has_stat ? want.device : 0u) << i;
    EXPECT_EQ(got.inode, want.has_stat ? want.inode : 0u) << i;
    EXPECT_EQ(got.size, want.has_stat ? want.size : 0u) << i;
    EXPECT_EQ(got.nlink, want.has_stat ? want.nlink : 0u) << i;
    EXPECT_EQ(got.has_fdinfo, want.has_fdinfo) << i;
    EXPECT_EQ(got.position, want.has_fdinfo ? want.position : 0u) << i;
    EXPECT_EQ(got.flags, want.has_fdinfo ? want.flags : 0u) << i;
    EXPECT_EQ(got.mnt_id, want.has_fdinfo ? want.mnt_id : -1) << i;
    EXPECT_EQ(got.content, want.content) << i;
}

TEST(PackedHandles, GivesBackEveryRecordInOrderAcrossBlocks) {
    const auto plain = random_handles(20000, 7);  // several 64 KiB blocks
    PackedHandles packed;
    for (const auto& p : plain) packed.push_back(p.h);
    ASSERT_EQ(packed.size(), plain.size());
    size_t i = 0;
    for (const OpenHandle& h : packed) {
        ASSERT_LT(i, plain.size());
        expect_same(h, plain[i].h, i);
        if (HasFailure()) return;
        ++i;
    }
    EXPECT_EQ(i, plain.size());
    EXPECT_GT(packed.bytes(), 64u * 1024);  // really more than one block
}

TEST(PackedHandles, AppendFromAddsOffsetsAndEmptiesTheSource) {
    const auto first = random_handles(3000, 1);
    const auto second = random_handles(5000, 2);
    PackedHandles out, part;
    for (const auto& p : first) out.push_back(p.h);
    for (const auto& p : second) part.push_back(p.h);
    out.append_from(part, 100, 7);
    EXPECT_TRUE(part.empty());
    ASSERT_EQ(out.size(), first.size() + second.size());
    size_t i = 0;
    for (const OpenHandle& h : out) {
        OpenHandle want = i < first.size() ? first[i].h : second[i - first.size()].h;
        if (i >= first.size()) {
            want.process += 100;
            if (want.content >= 0) want.content += 7;
        }
        expect_same(h, want, i);
        if (HasFailure()) return;
        ++i;
    }
}

TEST(PackedHandles, HoldsFarLessThanThePlainRecordsOnABusyHostsShape) {
    // One process's descriptors: the same directory, consecutive fds, sockets.
    std::vector<std::string> texts;
    for (int fd = 0; fd < 50000; ++fd) {
        texts.push_back(fd % 5 == 4 ? "socket:[" + std::to_string(8123400 + fd) + "]"
                                    : "/tmp/irsnap-bench-load.Z37zVv/f-" + std::to_string(fd / 50) +
                                          "-" + std::to_string(fd % 50));
    }
    PackedHandles packed;
    size_t plain_bytes = 0;
    for (int fd = 0; fd < 50000; ++fd) {
        OpenHandle h;
        h.pid = 1000 + fd / 50;
        h.fd = fd % 50;
        h.process = static_cast<uint32_t>(fd / 50);
        h.target = texts[static_cast<size_t>(fd)];
        h.has_stat = fd % 5 != 4;
        h.mode = 0100644;
        h.device = 0x801;
        h.inode = 400000 + static_cast<uint64_t>(fd);
        h.has_fdinfo = h.has_stat;
        h.flags = 02;
        h.mnt_id = 27;
        packed.push_back(h);
        plain_bytes += sizeof(OpenHandle) + h.target.size();
    }
    EXPECT_LT(packed.bytes() * 3, plain_bytes) << packed.bytes() << " vs " << plain_bytes;
}

TEST(PackedHandles, EmptyTableIteratesNothing) {
    PackedHandles packed;
    EXPECT_TRUE(packed.empty());
    EXPECT_EQ(packed.begin(), packed.end());
    OpenHandle h;
    h.target = "";
    packed.push_back(h);
    size_t n = 0;
    for (const OpenHandle& got : packed) {
        EXPECT_TRUE(got.target.empty());
        ++n;
    }
    EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace irsnap
