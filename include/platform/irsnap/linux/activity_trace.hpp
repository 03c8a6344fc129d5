// SPDX-License-Identifier: Apache-2.0
// The observe window's kernel event source on Linux: tracepoints (BPF tp_btf programs) for
// process exec, fork and exit, TCP state changes and UDP sends, all into one ring buffer that
// the collector loop poll()s. Decoding a record is pure (decode_trace_record, tested and fuzzed
// over bytes, src/platform/linux/bpf/trace_records.cpp); loading and reading is
// src/platform/linux/bpf_iter/activity_trace.cpp.
//
// Process ids are the initial pid namespace's (task->tgid, task->pid: what ps on the host shows).
// irsnap runs there as a responder's tool; inside a container they are not the container's own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"

namespace irsnap::trace {

enum class EventKind { exec, fork, exit, tcp_state, udp_send };

/// One kernel event. pid/tid/comm are the acting task's: for exec the task that exec'd (comm is
/// already the new program's), for fork the parent, for exit the exiting process, for udp_send
/// the sender. For tcp_state they are whatever task was current at the transition, which is the
/// socket's user only for transitions made in process context: CLOSE->SYN_SENT (connect),
/// CLOSE->LISTEN (listen), ESTABLISHED->FIN_WAIT1 and CLOSE_WAIT->LAST_ACK (close/shutdown),
/// and ->CLOSE from close(). Transitions driven by incoming packets (SYN_SENT->ESTABLISHED,
/// SYN_RECV->ESTABLISHED, FIN_WAIT*, TIME_WAIT ...) run in softirq and name an unrelated task.
struct TraceEvent {
    EventKind kind = EventKind::exec;
    uint64_t monotonic_ns = 0;  ///< bpf_ktime_get_ns: CLOCK_MONOTONIC
    int64_t pid = 0;            ///< tgid: the process id
    int64_t tid = 0;            ///< the thread id
    int64_t ppid = -1;          ///< exec: real parent's tgid; -1 otherwise
    int64_t uid = -1;           ///< exec: cred->uid; -1 otherwise
    std::string comm;
    // exec
    std::string filename;           ///< the path given to execve (bprm->filename), <= 255 bytes
    std::vector<std::string> argv;  ///< from the new mm's arg area, at most 512 bytes of it
    bool argv_truncated = false;    ///< the arg area was longer: the last argument may be cut
    // exit
    int64_t exit_code = 0;  ///< raw wait status: code << 8 | signal (WEXITSTATUS ...)
    // fork
    int64_t child_pid = 0;  ///< the new process (threads are not reported)
    // tcp_state / udp_send
    uint64_t sock = 0;  ///< the struct sock's kernel address: ties one socket's events together
    int family = 0;     ///< AF_INET or AF_INET6
    std::string saddr, daddr;  ///< text ("127.0.0.1", "::1")
    uint16_t sport = 0;        ///< local port; 0 at CLOSE->SYN_SENT before the port is chosen
    uint16_t dport = 0;        ///< remote port; 0 for an unconnected UDP socket
    int old_state = 0, new_state = 0;  ///< kernel TCP_* numbers (tcp_state only)
};

/// The kernel's name of TCP state `state` ("ESTABLISHED", "SYN_SENT" ...); "STATE_N" for an
/// unknown number.
std::string tcp_state_name(int state);

/// One ring-buffer record (an irsnap_trace_* struct of bpf_trace_records.h) as an event; nullopt
/// for a record of another size or kind, or one whose lengths do not fit.
std::optional<TraceEvent> decode_trace_record(std::string_view bytes);

/// The loaded and attached tracepoint programs with their ring buffer. Move-only through its
/// unique_ptr; everything is detached and unloaded by the destructor (nothing is pinned).
class TraceSession {
  public:
    /// Loads and attaches every program. Fails (with libbpf's words) when BPF or BTF is
    /// unavailable or a required tracepoint (sched_process_exec/fork/exit, inet_sock_set_state)
    /// cannot be attached. sock/sock_send_length (Linux 6.3+) is optional: absent, it is listed
    /// by missing() and UDP sends are not reported.
    static Result<std::unique_ptr<TraceSession>> start();

    /// The ring buffer's epoll descriptor: readable (POLLIN) when records wait.
    int fd() const;
    /// Hands every record ready now to `take`, without blocking; returns how many were taken.
    /// Records that do not decode are skipped (counted by undecodable()).
    size_t consume(const std::function<void(const TraceEvent&)>& take);
    /// Records the kernel dropped so far because the ring buffer was full.
    uint64_t lost() const;
    /// Records consume() skipped because they did not decode (a bug, never expected).
    uint64_t undecodable() const { return m_undecodable; }
    /// The tracepoints attached, "sched/sched_process_exec" ...
    const std::vector<std::string>& attached() const { return m_attached; }
    /// The optional tracepoints this kernel lacks ("sock/sock_send_length").
    std::vector<std::string> missing() const { return m_missing; }

    TraceSession(const TraceSession&) = delete;
    TraceSession& operator=(const TraceSession&) = delete;
    ~TraceSession();

  private:
    TraceSession() = default;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::vector<std::string> m_attached, m_missing;
    uint64_t m_undecodable = 0;
};

}  // namespace irsnap::trace
