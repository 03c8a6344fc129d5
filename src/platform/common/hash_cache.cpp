// SPDX-License-Identifier: Apache-2.0
#include "irsnap/hash_cache.hpp"

#include <unistd.h>

#include <system_error>

namespace irsnap {

HashCache::HashCache(unsigned threads, uint64_t max_bytes, const std::atomic<bool>* cancel,
                     unsigned package_digests)
    : m_threads(threads == 0 ? 1 : threads),
      m_max_bytes(max_bytes),
      m_cancel(cancel),
      m_package_digests(package_digests) {
    init_crypto();  // before any worker thread can touch OpenSSL
}

HashCache::~HashCache() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
}

FileHash HashCache::hash_and_count(int fd, const FileKey& key) {
    FileHash h = hash_fd(fd, key.size, m_max_bytes, m_cancel, m_package_digests);
    ::close(fd);
    std::lock_guard lock(m_mutex);
    if (h.sha256) {
        ++m_stats.files_hashed;
        m_stats.bytes_hashed += key.size;
    } else if (h.error_code == 0 && h.note.rfind("skipped", 0) == 0) {
        ++m_stats.skipped_too_large;
    }
    return h;
}

FileHash HashCache::hash_now(int fd, const FileKey& key) {
    return hash_and_count(fd, key);
}

std::optional<std::shared_future<FileHash>> HashCache::find(const FileKey& key) {
    std::lock_guard lock(m_mutex);
    auto it = m_cache.find(key);
    if (it == m_cache.end()) return std::nullopt;
    ++m_stats.cache_hits;
    return it->second;
}

std::shared_future<FileHash> HashCache::submit(int fd, const FileKey& key) {
    std::unique_lock lock(m_mutex);
    if (auto it = m_cache.find(key); it != m_cache.end()) {
        ++m_stats.cache_hits;
        lock.unlock();
        ::close(fd);
        return it->second;
    }
    auto task = std::make_shared<std::packaged_task<FileHash()>>(
        [this, fd, key] { return hash_and_count(fd, key); });
    std::shared_future<FileHash> future = task->get_future().share();
    m_cache.emplace(key, future);
    if (key.size <= k_inline_hash_bytes) {
        // Handing a small file to a worker (queue, wake-up, two context switches) costs more
        // than hashing it here: a host can hold thousands of small deleted files or memfds.
        lock.unlock();
        (*task)();
        return future;
    }
    m_queue.emplace_back([task] { (*task)(); });
    // Threads start lazily: a run with nothing to hash starts none.
    if (m_workers.size() < m_threads) {
        try {
            m_workers.emplace_back([this] { worker(); });
        } catch (const std::system_error&) {
            // The host is out of threads (pids limit, fork bomb): fewer workers, not no data.
        }
    }
    if (m_workers.empty()) {
        auto job = std::move(m_queue.back());
        m_queue.pop_back();
        lock.unlock();
        job();  // no worker could start: hash on the caller's thread
        return future;
    }
    lock.unlock();
    m_wake.notify_one();
    return future;
}

HashCacheStats HashCache::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void HashCache::worker() {
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty()) return;  // stopping and drained
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        job();
    }
}

}  // namespace irsnap
