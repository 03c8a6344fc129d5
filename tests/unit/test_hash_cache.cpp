// SPDX-License-Identifier: Apache-2.0
// The shared hash cache: one read per file identity, the size limit, and cancellation.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "fixture_util.hpp"
#include "irsnap/hash_cache.hpp"

namespace irsnap::test {
namespace {

int open_file(const std::filesystem::path& p) {
    return ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
}

TEST(HashCache, SameKeyIsHashedOnceAndMatchesTheContent) {
    TempDir tmp("irsnap-hash");
    const std::string content(300000, 'x');
    std::ofstream(tmp.path() / "f", std::ios::binary) << content;
    HashCache cache(2, 0, nullptr);
    FileKey key{1, 2, content.size(), 3};
    auto first = cache.submit(open_file(tmp.path() / "f"), key);
    auto second = cache.submit(open_file(tmp.path() / "f"), key);
    ASSERT_TRUE(first.get().sha256);
    EXPECT_EQ(*first.get().sha256, sha256_hex(content));
    EXPECT_EQ(second.get().sha256, first.get().sha256);
    auto stats = cache.stats();
    EXPECT_EQ(stats.files_hashed, 1u);
    EXPECT_EQ(stats.cache_hits, 1u);
    // A different identity (e.g. a new mtime) is hashed again.
    FileKey changed = key;
    changed.mtime_ns = 4;
    EXPECT_EQ(cache.submit(open_file(tmp.path() / "f"), changed).get().sha256, first.get().sha256);
    EXPECT_EQ(cache.stats().files_hashed, 2u);
}

TEST(HashCache, LargerThanTheLimitIsSkippedNotTruncated) {
    TempDir tmp("irsnap-hash");
    std::ofstream(tmp.path() / "big", std::ios::binary) << std::string(5000, 'b');
    HashCache cache(1, 4096, nullptr);
    FileHash h = cache.submit(open_file(tmp.path() / "big"), FileKey{1, 1, 5000, 0}).get();
    EXPECT_FALSE(h.sha256);
    EXPECT_EQ(h.note, "skipped: larger than --max-hash-bytes");
    EXPECT_EQ(cache.stats().skipped_too_large, 1u);
}

TEST(HashCache, FileThatGrowsPastTheLimitWhileReadIsSkipped) {
    TempDir tmp("irsnap-hash");
    std::ofstream(tmp.path() / "grew", std::ios::binary) << std::string(5000, 'g');
    // The key claims the small size seen at listing time; the read finds more.
    FileHash h = hash_fd(open_file(tmp.path() / "grew"), 100, 4096, nullptr);
    EXPECT_FALSE(h.sha256);
    EXPECT_EQ(h.note, "skipped: larger than --max-hash-bytes");
}

TEST(HashCache, CancelStopsHashing) {
    TempDir tmp("irsnap-hash");
    std::ofstream(tmp.path() / "f", std::ios::binary) << std::string(1 << 20, 'c');
    std::atomic<bool> cancel{true};
    int fd = open_file(tmp.path() / "f");
    FileHash h = hash_fd(fd, 1 << 20, 0, &cancel);
    ::close(fd);
    EXPECT_FALSE(h.sha256);
    EXPECT_EQ(h.note, "interrupted");
}

}  // namespace
}  // namespace irsnap::test
