// SPDX-License-Identifier: Apache-2.0
// The netlink process connector (NETLINK_CONNECTOR, CN_IDX_PROC): the kernel's fork, exec and
// exit notifications, the observe window's fallback when BPF cannot be loaded. It says less than
// the tracepoints (no comm, no argv, no parent at exec) and reports every thread: a consumer
// that wants processes keeps events with pid == tgid. Only a root process in the initial user
// and pid namespaces receives anything (the kernel sends nothing elsewhere); ids are the initial
// pid namespace's. Parsing a datagram is pure (tested and fuzzed).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap::procconn {

struct ProcEvent {
    /// other: the listen acknowledgement and the events not decoded (uid, sid, comm ...).
    enum class Kind { fork, exec, exit, other } kind = Kind::other;
    uint64_t timestamp_ns = 0;  ///< the kernel's, CLOCK_MONOTONIC (ktime_get_ns)
    int64_t pid = 0;            ///< fork: the child thread; exec, exit: the task
    int64_t tgid = 0;           ///< its process
    int64_t parent_pid = 0;     ///< fork: the forking thread; exit: the parent (0 if not sent)
    int64_t parent_tgid = 0;
    int64_t exit_code = 0;  ///< exit: raw wait status, code << 8 | signal
};

/// Every proc event of one datagram: nlmsghdr + cn_msg + proc_event, possibly several netlink
/// messages. A message whose lengths do not hold, or that is not CN_IDX_PROC's, is skipped.
std::vector<ProcEvent> parse_proc_connector(std::string_view datagram);

/// A subscribed connector socket. Opening subscribes (PROC_CN_MCAST_LISTEN); the destructor
/// unsubscribes (PROC_CN_MCAST_IGNORE) and closes: the kernel counts listeners and stops
/// building events when none is left.
class ProcConnector {
  public:
    /// Fails when the socket cannot be made, bound (not root) or subscribed. The receive buffer
    /// is made 8 MiB (SO_RCVBUFFORCE, which root may use beyond rmem_max; else SO_RCVBUF, capped
    /// by net.core.rmem_max): a fork storm between two drains overruns a default 208 KiB.
    static Result<ProcConnector> open();

    ProcConnector(ProcConnector&&) noexcept = default;
    ProcConnector& operator=(ProcConnector&&) noexcept;
    ~ProcConnector();

    /// Readable (POLLIN) when datagrams wait.
    int fd() const { return m_fd.get(); }
    /// Hands the events waiting now to `take` (at most 4096 datagrams a call, so a storm cannot
    /// hold the caller: the rest stays readable), without blocking; returns how many. A full
    /// receive buffer (ENOBUFS: the kernel dropped events) is counted by overruns(), not an error.
    size_t drain(const std::function<void(const ProcEvent&)>& take);
    /// How many times the kernel reported dropped events (each may be many events).
    uint64_t overruns() const { return m_overruns; }

  private:
    explicit ProcConnector(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;
    uint64_t m_overruns = 0;
};

}  // namespace irsnap::procconn
