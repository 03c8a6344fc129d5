// SPDX-License-Identifier: Apache-2.0
// Authenticode checks off the collector's thread. A catalog-signed file costs tens of
// milliseconds (hash the file, look it up in the catalog database, verify the catalog), and a
// host loads hundreds of distinct DLLs and drivers: serially that is the collector's run time.
// Records wait for their signature in a bounded window, then go on to the hash window.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hash_window.hpp"
#include "platform/windows/authenticode.hpp"

namespace irsnap::win {

class SignaturePool {
  public:
    explicit SignaturePool(unsigned threads);
    /// Checks still queued are answered "error" ("run stopped") and not made.
    ~SignaturePool();
    SignaturePool(const SignaturePool&) = delete;
    SignaturePool& operator=(const SignaturePool&) = delete;

    /// check_signature(path) on a pool thread.
    std::shared_future<Signature> submit(std::wstring path);

  private:
    void worker();

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::pair<std::wstring, std::promise<Signature>>> m_queue;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

/// Records waiting for their signature (written into them by add_signature), in order, at most
/// `limit` at a time; each then goes on to `next` with its hash.
class SignatureWindow {
  public:
    SignatureWindow(collectors::HashWindow& next, size_t limit) : m_next(next), m_limit(limit) {}

    void push(nlohmann::json record, std::optional<std::shared_future<FileHash>> hash,
              std::optional<std::shared_future<Signature>> signature);
    /// Drains this window into `next` (the caller flushes `next` after).
    void flush();

  private:
    struct Pending {
        nlohmann::json record;
        std::optional<std::shared_future<FileHash>> hash;
        std::optional<std::shared_future<Signature>> signature;
    };
    void pass_front();

    collectors::HashWindow& m_next;
    size_t m_limit;
    std::deque<Pending> m_pending;
};

}  // namespace irsnap::win
