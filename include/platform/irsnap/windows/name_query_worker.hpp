// SPDX-License-Identifier: Apache-2.0
// Object-name queries that may never return. NtQueryObject(ObjectNameInformation) on a File
// handle waits for the file object's lock, which a synchronous pipe read in the owning process
// holds until data arrives: forever, for an idle pipe. The query runs on a worker thread; after
// the timeout the worker is abandoned (left blocked in the kernel, which holds no user-mode lock
// of ours; it exits on its own if the query ever returns, and with the process otherwise) and the
// next query starts a fresh one.
#pragma once

#include <windows.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace irsnap::win {

class NameQueryWorker {
  public:
    enum class Outcome { named, failed, timed_out };
    struct Result {
        Outcome outcome = Outcome::failed;
        std::wstring name;  ///< when named ("" for an unnamed object)
        long status = 0;    ///< NTSTATUS when failed
    };

    NameQueryWorker();
    ~NameQueryWorker();
    NameQueryWorker(const NameQueryWorker&) = delete;
    NameQueryWorker& operator=(const NameQueryWorker&) = delete;

    /// Queries the name of `handle`, taking ownership of it (a handle a hung worker still uses
    /// must stay open; it is closed when the query ends). Waits at most `timeout_ms`.
    Result query(HANDLE handle, DWORD timeout_ms);

    uint64_t timeouts() const { return m_timeouts; }
    /// Workers that could not be started (the query then failed without being tried).
    uint64_t start_failures() const { return m_start_failures; }

    struct Job;

  private:
    std::shared_ptr<Job> m_job;  ///< the live worker's job; null until first use or after a hang
    uint64_t m_timeouts = 0;
    uint64_t m_start_failures = 0;
};

}  // namespace irsnap::win
