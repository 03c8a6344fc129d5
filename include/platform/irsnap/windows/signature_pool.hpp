// SPDX-License-Identifier: Apache-2.0
// Authenticode checks off the collector's thread. A catalog-signed file costs tens of
// milliseconds (hash the file, look it up in the catalog database, verify the catalog), and a
// host loads hundreds of distinct DLLs and drivers: serially that is the collector's run time.
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

#include "irsnap/windows/authenticode.hpp"

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

}  // namespace irsnap::win
