// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/name_query_worker.hpp"  // windows.h first

#include <atomic>
#include <vector>

#include "irsnap/windows/nt_handles.hpp"

namespace irsnap::win {

/// Shared by the caller and one worker thread; the last of the two to let go frees it.
struct NameQueryWorker::Job {
    HANDLE request = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    HANDLE done = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    HANDLE target = nullptr;  ///< the handle being named; owned by the job
    std::vector<unsigned char> buffer;
    std::optional<std::wstring> name;
    long status = 0;
    std::atomic<bool> quit{false};

    ~Job() {
        if (target) CloseHandle(target);
        if (request) CloseHandle(request);
        if (done) CloseHandle(done);
    }
};

namespace {

DWORD WINAPI worker_main(void* parameter) {
    std::shared_ptr<NameQueryWorker::Job> job(
        std::move(*static_cast<std::shared_ptr<NameQueryWorker::Job>*>(parameter)));
    delete static_cast<std::shared_ptr<NameQueryWorker::Job>*>(parameter);
    while (WaitForSingleObject(job->request, INFINITE) == WAIT_OBJECT_0 && !job->quit) {
        long status = 0;
        job->name = object_name(job->target, job->buffer, status);
        job->status = status;
        SetEvent(job->done);
    }
    return 0;
}

/// A job with a running worker; null when the thread could not be started.
std::shared_ptr<NameQueryWorker::Job> start_worker() {
    auto job = std::make_shared<NameQueryWorker::Job>();
    if (!job->request || !job->done) return nullptr;
    auto* parameter = new std::shared_ptr<NameQueryWorker::Job>(job);
    // A small stack: an abandoned worker keeps it until the process ends.
    HANDLE thread = CreateThread(nullptr, 64 * 1024, worker_main, parameter,
                                 STACK_SIZE_PARAM_IS_A_RESERVATION, nullptr);
    if (!thread) {
        delete parameter;
        return nullptr;
    }
    CloseHandle(thread);
    return job;
}

}  // namespace

NameQueryWorker::NameQueryWorker() = default;

NameQueryWorker::~NameQueryWorker() {
    if (m_job) {
        m_job->quit = true;
        SetEvent(m_job->request);
    }
}

NameQueryWorker::Result NameQueryWorker::query(HANDLE handle, DWORD timeout_ms) {
    Result result;
    if (!m_job) m_job = start_worker();
    if (!m_job) {
        ++m_start_failures;
        CloseHandle(handle);
        result.status = static_cast<long>(0xC000009A);  // STATUS_INSUFFICIENT_RESOURCES
        return result;
    }
    if (m_job->target) CloseHandle(m_job->target);
    m_job->target = handle;
    SetEvent(m_job->request);
    if (WaitForSingleObject(m_job->done, timeout_ms) != WAIT_OBJECT_0) {
        // Abandon it: the worker exits when (if) the query returns, and the job, still
        // holding the handle, goes with it.
        ++m_timeouts;
        m_job->quit = true;
        SetEvent(m_job->request);
        m_job.reset();
        result.outcome = Outcome::timed_out;
        return result;
    }
    CloseHandle(m_job->target);
    m_job->target = nullptr;
    if (m_job->name) {
        result.outcome = Outcome::named;
        result.name = std::move(*m_job->name);
    } else {
        result.status = m_job->status;
    }
    m_job->name.reset();
    return result;
}

}  // namespace irsnap::win
