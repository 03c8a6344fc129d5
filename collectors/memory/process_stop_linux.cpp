// SPDX-License-Identifier: Apache-2.0
// Stopping a process only while its memory is read. PTRACE_SEIZE + PTRACE_INTERRUPT stops a
// thread without sending it a signal (PTRACE_ATTACH would send SIGSTOP, which the process could
// see); a system call in progress is restarted after the detach, so the process resumes as it
// was. The kernel detaches every tracee if irsnap dies meanwhile.
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "memory_linux.hpp"

namespace irsnap::collectors {
namespace {

/// How long threads get to reach the stop: one in uninterruptible sleep (D state, e.g. on a
/// dead NFS server) stops only when its system call returns.
constexpr auto k_stop_wait = std::chrono::seconds(2);
/// Rounds of listing task/ again for threads created while the others were being stopped.
constexpr int k_list_rounds = 8;

std::vector<int32_t> list_threads(int pid_fd) {
    auto dir = posix::open_dir_at(pid_fd, "task");
    if (!dir) return {};
    return posix::numeric_entries(dir->get());
}

std::string tracer_of(int pid_fd) {
    auto status = posix::read_file_at(pid_fd, "status", 1 << 16);
    if (!status) return {};
    const size_t at = status->find("TracerPid:");
    if (at == std::string::npos) return {};
    const size_t end = status->find('\n', at);
    std::string value = status->substr(at + 10, end - at - 10);
    value.erase(0, value.find_first_not_of(" \t"));
    return value == "0" ? std::string() : value;
}

}  // namespace

ProcessStop::~ProcessStop() {
    resume();
}

bool ProcessStop::stop(int pid_fd, int64_t pid, std::string& note) {
    std::vector<std::string> problems;
    for (int round = 0; round < k_list_rounds; ++round) {
        bool added = false;
        for (int32_t tid : list_threads(pid_fd)) {
            const bool known = std::any_of(m_threads.begin(), m_threads.end(),
                                           [&](const Thread& t) { return t.tid == tid; });
            if (known) continue;
            if (::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
                const int code = errno;
                if (code == ESRCH) continue;  // the thread ended meanwhile
                if (m_threads.empty()) {
                    const std::string tracer = tracer_of(pid_fd);
                    note = fmt::format(
                        "not stopped: ptrace: {}{}", std::strerror(code),
                        tracer.empty() ? std::string() : " (already traced by pid " + tracer + ")");
                    return false;
                }
                problems.push_back(fmt::format("thread {}: {}", tid, std::strerror(code)));
                continue;
            }
            m_threads.push_back({tid, false, 0});
            ::ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
            added = true;
        }
        if (!added) break;
    }
    if (m_threads.empty()) {
        note = fmt::format("not stopped: no thread of pid {} could be seized", pid);
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + k_stop_wait;
    while (true) {
        bool waiting = false;
        for (Thread& t : m_threads) {
            if (t.stopped) continue;
            int status = 0;
            const pid_t r = ::waitpid(t.tid, &status, __WALL | WNOHANG);
            if (r == t.tid && WIFSTOPPED(status)) {
                t.stopped = true;
                // Our interrupt reports PTRACE_EVENT_STOP; anything else is a signal that
                // arrived first: it is handed back on detach.
                if ((status >> 16) != PTRACE_EVENT_STOP) t.pending_signal = WSTOPSIG(status);
            } else if (r == t.tid || (r < 0 && errno == ECHILD)) {
                t.tid = -t.tid;  // ended: nothing to let go
                t.stopped = true;
            } else {
                waiting = true;
            }
        }
        if (!waiting || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    for (const Thread& t : m_threads) {
        if (!t.stopped) problems.push_back(fmt::format("thread {} did not stop within 2 s", t.tid));
    }
    if (!problems.empty()) {
        note = "stopped, except: " + problems.front();
        for (size_t i = 1; i < problems.size() && i < 8; ++i) note += "; " + problems[i];
    }
    return true;
}

void ProcessStop::resume() {
    for (Thread& t : m_threads) {
        if (t.tid <= 0) continue;
        if (!t.stopped) {
            // It was seized but never reached the stop: wait for it (PTRACE_DETACH needs a
            // stopped tracee) a little longer; failing that, the kernel lets it go when this
            // thread ends.
            int status = 0;
            for (int i = 0; i < 5000; ++i) {
                const pid_t r = ::waitpid(t.tid, &status, __WALL | WNOHANG);
                if (r == t.tid && WIFSTOPPED(status) && (status >> 16) != PTRACE_EVENT_STOP) {
                    t.pending_signal = WSTOPSIG(status);
                }
                if (r == t.tid || r < 0) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        }
        // ptrace takes the signal to deliver in its pointer-sized data argument.
        ::ptrace(PTRACE_DETACH, t.tid, nullptr,
                 reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
                     static_cast<intptr_t>(t.pending_signal)));
    }
    m_threads.clear();
}

std::vector<int32_t> ProcessStop::stopped_threads() const {
    std::vector<int32_t> out;
    for (const Thread& t : m_threads) {
        if (t.stopped && t.tid > 0) out.push_back(t.tid);
    }
    return out;
}

}  // namespace irsnap::collectors
