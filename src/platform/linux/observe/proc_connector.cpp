// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/proc_connector.hpp"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>

namespace irsnap::procconn {
namespace {

/// `T` copied from `bytes` at `at` when it fits; datagrams carry no alignment guarantee.
template <class T>
bool procconn_read_at(std::string_view bytes, size_t at, T& out) {
    if (at > bytes.size() || bytes.size() - at < sizeof(T)) return false;
    std::memcpy(&out, bytes.data() + at, sizeof(T));
    return true;
}

constexpr size_t k_procconn_event_header = offsetof(proc_event, event_data);

/// One proc_event of `size` bytes (cn_msg's len); nullopt when too short for its kind.
std::optional<ProcEvent> procconn_event(std::string_view bytes) {
    uint32_t what = 0;
    uint64_t timestamp = 0;
    if (!procconn_read_at(bytes, offsetof(proc_event, what), what) ||
        !procconn_read_at(bytes, offsetof(proc_event, timestamp_ns), timestamp)) {
        return std::nullopt;
    }
    const std::string_view data = bytes.substr(std::min(bytes.size(), k_procconn_event_header));
    ProcEvent e;
    e.timestamp_ns = timestamp;
    // The four pids each kind starts with, in the kernel's order; absent ones stay 0.
    int32_t ids[4] = {0, 0, 0, 0};
    switch (what) {
        case proc_event::PROC_EVENT_FORK:
            if (!procconn_read_at(data, 0, ids)) return std::nullopt;
            e.kind = ProcEvent::Kind::fork;
            e.parent_pid = ids[0];
            e.parent_tgid = ids[1];
            e.pid = ids[2];
            e.tgid = ids[3];
            return e;
        case proc_event::PROC_EVENT_EXEC:
            if (!procconn_read_at(data, 0, ids[0]) || !procconn_read_at(data, 4, ids[1]))
                return std::nullopt;
            e.kind = ProcEvent::Kind::exec;
            e.pid = ids[0];
            e.tgid = ids[1];
            return e;
        case proc_event::PROC_EVENT_EXIT: {
            uint32_t code = 0;
            if (!procconn_read_at(data, 0, ids[0]) || !procconn_read_at(data, 4, ids[1]) ||
                !procconn_read_at(data, 8, code)) {
                return std::nullopt;
            }
            e.kind = ProcEvent::Kind::exit;
            e.pid = ids[0];
            e.tgid = ids[1];
            e.exit_code = code;
            // The parent fields came later (Linux 4.14): older kernels end before them.
            if (procconn_read_at(data, 16, ids[2]) && procconn_read_at(data, 20, ids[3])) {
                e.parent_pid = ids[2];
                e.parent_tgid = ids[3];
            }
            return e;
        }
        default:
            e.kind = ProcEvent::Kind::other;
            return e;
    }
}

/// Sends PROC_CN_MCAST_LISTEN or _IGNORE to the kernel.
bool procconn_send_op(int fd, proc_cn_mcast_op op) {
    // nlmsghdr + cn_msg + the op, laid out by hand: cn_msg ends in a flexible array.
    constexpr size_t k_size = NLMSG_HDRLEN + sizeof(cn_msg) + sizeof(op);
    alignas(nlmsghdr) char msg[k_size] = {};
    nlmsghdr nl{};
    nl.nlmsg_len = k_size;
    nl.nlmsg_type = NLMSG_DONE;  // nlmsg_pid 0: the kernel fills in the bound port id
    cn_msg cn{};
    cn.id.idx = CN_IDX_PROC;
    cn.id.val = CN_VAL_PROC;
    cn.len = sizeof(op);
    std::memcpy(msg, &nl, sizeof(nl));
    std::memcpy(msg + NLMSG_HDRLEN, &cn, sizeof(cn));
    std::memcpy(msg + NLMSG_HDRLEN + sizeof(cn), &op, sizeof(op));
    for (;;) {
        if (::send(fd, msg, k_size, 0) == static_cast<ssize_t>(k_size)) return true;
        if (errno != EINTR) return false;
    }
}

}  // namespace

std::vector<ProcEvent> parse_proc_connector(std::string_view datagram) {
    std::vector<ProcEvent> events;
    size_t at = 0;
    while (datagram.size() - at >= NLMSG_HDRLEN) {
        nlmsghdr nl;
        std::memcpy(&nl, datagram.data() + at, sizeof(nl));
        if (nl.nlmsg_len < NLMSG_HDRLEN || nl.nlmsg_len > datagram.size() - at) break;
        const std::string_view payload =
            datagram.substr(at + NLMSG_HDRLEN, nl.nlmsg_len - NLMSG_HDRLEN);
        // The connector sends each message as NLMSG_DONE; NOOP, ERROR, OVERRUN carry no event.
        cn_msg cn;
        if (nl.nlmsg_type == NLMSG_DONE && procconn_read_at(payload, 0, cn) &&
            cn.id.idx == CN_IDX_PROC && cn.id.val == CN_VAL_PROC &&
            cn.len <= payload.size() - sizeof(cn_msg)) {
            if (auto e = procconn_event(payload.substr(sizeof(cn_msg), cn.len)))
                events.push_back(*e);
        }
        const size_t step = NLMSG_ALIGN(static_cast<size_t>(nl.nlmsg_len));
        if (step >= datagram.size() - at) break;
        at += step;
    }
    return events;
}

Result<ProcConnector> ProcConnector::open() {
    constexpr const char* k_name = "netlink/proc_connector";
    UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR));
    if (!fd) return ItemError::from_errno("socket", errno, k_name);
    // Large, so a burst between two drains is kept: beyond rmem_max only as root (FORCE).
    const int size = 8 << 20;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0) {
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        return ItemError::from_errno("bind", errno, k_name);
    }
    if (!procconn_send_op(fd.get(), PROC_CN_MCAST_LISTEN)) {
        return ItemError::from_errno("subscribe", errno, k_name);
    }
    return ProcConnector(std::move(fd));
}

ProcConnector& ProcConnector::operator=(ProcConnector&& other) noexcept {
    if (this != &other) {
        if (m_fd) procconn_send_op(m_fd.get(), PROC_CN_MCAST_IGNORE);
        m_fd = std::move(other.m_fd);
        m_overruns = other.m_overruns;
    }
    return *this;
}

ProcConnector::~ProcConnector() {
    if (m_fd) procconn_send_op(m_fd.get(), PROC_CN_MCAST_IGNORE);
}

size_t ProcConnector::drain(const std::function<void(const ProcEvent&)>& take) {
    size_t taken = 0;
    alignas(nlmsghdr) char buffer[1 << 16];
    // Bounded, so a fork storm cannot keep the caller's loop here: what is left stays readable.
    for (int datagrams = 0; datagrams < 4096; ++datagrams) {
        sockaddr_nl from{};
        socklen_t from_len = sizeof(from);
        const ssize_t n = ::recvfrom(m_fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) {  // the kernel dropped events: the socket stays usable
                ++m_overruns;
                continue;
            }
            return taken;  // EAGAIN: nothing more now (any other error: the next poll says)
        }
        if (from.nl_pid != 0) continue;  // only the kernel speaks for the connector
        for (const ProcEvent& e : parse_proc_connector(std::string_view(buffer, n))) {
            ++taken;
            take(e);
        }
    }
    return taken;
}

}  // namespace irsnap::procconn
