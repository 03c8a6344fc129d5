// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "irsnap/file_hash.hpp"

namespace irsnap {

/// Identity of a file's content as far as the kernel tells without reading it. A binary mapped
/// by 500 processes has one key and is hashed once.
struct FileKey {
    uint64_t dev = 0;
    uint64_t ino = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    auto tie() const { return std::tie(dev, ino, size, mtime_ns); }
    bool operator<(const FileKey& other) const { return tie() < other.tie(); }
};

struct HashCacheStats {
    uint64_t files_hashed = 0;
    uint64_t cache_hits = 0;
    uint64_t bytes_hashed = 0;
    uint64_t skipped_too_large = 0;
};

/// Files up to this size are hashed on the caller's thread: a hand-off to a worker (queue,
/// wake-up, two context switches) costs more than the hashing.
constexpr uint64_t k_inline_hash_bytes = 64 * 1024;

/// Shared, thread-safe cache of file digests computed on a small bounded pool of threads.
/// Hashing reads from a descriptor the caller already opened (e.g. through /proc/PID/exe) so a
/// process that exits after being listed still gets its executable hashed.
class HashCache {
  public:
    /// `threads` >= 1; `max_bytes` 0 means no limit; `cancel` may be null; `package_digests`
    /// (a PackageDigest mask) is computed beside every SHA-256 (see hash_fd).
    HashCache(unsigned threads, uint64_t max_bytes, const std::atomic<bool>* cancel,
              unsigned package_digests = 0);
    ~HashCache();
    HashCache(const HashCache&) = delete;
    HashCache& operator=(const HashCache&) = delete;

    /// Takes ownership of `fd` (closed once hashed, or at once on a cache hit).
    std::shared_future<FileHash> submit(int fd, const FileKey& key);

    /// Hashes a small file (see k_inline_hash_bytes) on the caller's thread and closes `fd`,
    /// without remembering the result: for content no other record shares (a deleted file or
    /// memfd seen through one descriptor), where a cache entry per file only costs memory.
    FileHash hash_now(int fd, const FileKey& key);

    /// The digest already computed (or being computed) for `key`, counted as a cache hit; empty
    /// when the content was never submitted. Lets a later reader (the samples collector) reuse
    /// what the processes and modules collectors hashed instead of hashing it again.
    std::optional<std::shared_future<FileHash>> find(const FileKey& key);

    HashCacheStats stats() const;
    /// The PackageDigest mask every digest of this cache carries.
    unsigned package_digests() const { return m_package_digests; }

  private:
    void worker();
    FileHash hash_and_count(int fd, const FileKey& key);

    unsigned m_threads;
    uint64_t m_max_bytes;
    const std::atomic<bool>* m_cancel;
    unsigned m_package_digests;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_queue;
    std::vector<std::thread> m_workers;
    std::map<FileKey, std::shared_future<FileHash>> m_cache;
    HashCacheStats m_stats;
    bool m_stopping = false;
};

}  // namespace irsnap
