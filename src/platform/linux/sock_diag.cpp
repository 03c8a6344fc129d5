// SPDX-License-Identifier: Apache-2.0
#include "sock_diag.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "platform/linux/fd_util.hpp"
#include "platform/linux/netns.hpp"

namespace irsnap::netlink {
namespace {

/// Replies we accept on the live socket; the pure parser checks none (expect == nullptr).
struct Expect {
    uint32_t seq;
    uint32_t pid;
};

/// Turns the fixed part of an inet_diag_msg into a row. Addresses and ports are in network
/// byte order in the message, unlike /proc/net/tcp (host-order words), so inet_ntop reads them
/// as they are; both views must still render the same text.
bool to_row(const inet_diag_msg& m, procfs::InetSocketRow& row) {
    if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6) return false;
    char buf[INET6_ADDRSTRLEN] = {};
    row.family = m.idiag_family;
    if (!inet_ntop(row.family, m.id.idiag_src, buf, sizeof buf)) return false;
    row.local_address = buf;
    if (!inet_ntop(row.family, m.id.idiag_dst, buf, sizeof buf)) return false;
    row.remote_address = buf;
    row.local_port = ntohs(m.id.idiag_sport);
    row.remote_port = ntohs(m.id.idiag_dport);
    row.state = m.idiag_state;
    row.rx_queue = m.idiag_rqueue;
    row.tx_queue = m.idiag_wqueue;
    row.uid = m.idiag_uid;
    row.inode = m.idiag_inode;
    return true;
}

InetDiagChunk decode(std::string_view bytes, const Expect* expect) {
    InetDiagChunk out;
    size_t off = 0;
    while (off < bytes.size() && !out.done && out.error == 0) {
        const size_t left = bytes.size() - off;
        nlmsghdr h{};
        // memcpy, not a cast: a fuzzer or caller buffer carries no alignment promise.
        if (left < sizeof h) {
            ++out.malformed;  // trailing fragment shorter than a header
            break;
        }
        std::memcpy(&h, bytes.data() + off, sizeof h);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > left) {
            ++out.malformed;  // cannot find the next header again: stop here
            break;
        }
        const char* payload = bytes.data() + off + NLMSG_HDRLEN;
        const size_t plen = h.nlmsg_len > NLMSG_HDRLEN ? h.nlmsg_len - NLMSG_HDRLEN : 0;
        off += std::min<size_t>(NLMSG_ALIGN(h.nlmsg_len), left);
        if (expect && (h.nlmsg_seq != expect->seq || h.nlmsg_pid != expect->pid)) {
            ++out.malformed;  // not an answer to our request
            continue;
        }
        if (h.nlmsg_type == NLMSG_DONE) {
            out.done = true;
            // Since 4.x the DONE payload is an int: a negative errno when the dump failed.
            int code = 0;
            if (plen >= sizeof code) std::memcpy(&code, payload, sizeof code);
            if (code < 0) out.error = code == INT_MIN ? EPROTO : -code;
        } else if (h.nlmsg_type == NLMSG_ERROR) {
            int code = 0;
            if (plen < sizeof code) {
                ++out.malformed;
                continue;
            }
            std::memcpy(&code, payload, sizeof code);
            // 0 is an ACK; a positive value is no errno encoding (and -INT_MIN overflows).
            if (code < 0) out.error = code == INT_MIN ? EPROTO : -code;
            if (code > 0) ++out.malformed;
        } else if (h.nlmsg_type == NLMSG_NOOP) {
            continue;
        } else if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY && plen >= sizeof(inet_diag_msg)) {
            inet_diag_msg m{};
            std::memcpy(&m, payload, sizeof m);  // attributes after it are ignored
            procfs::InetSocketRow row;
            if (to_row(m, row)) {
                out.rows.push_back(std::move(row));
            } else {
                ++out.malformed;
            }
        } else {
            ++out.malformed;  // too short, or a type a sock_diag dump never sends
        }
    }
    return out;
}

std::string describe(int family, int protocol) {
    const char* fam = family == AF_INET ? "AF_INET" : family == AF_INET6 ? "AF_INET6" : "?";
    return "NETLINK_SOCK_DIAG " + std::string(fam) + " protocol " + std::to_string(protocol);
}

}  // namespace

InetDiagChunk parse_inet_diag_dump(std::string_view bytes) {
    return decode(bytes, nullptr);
}

Result<std::vector<procfs::InetSocketRow>> dump_inet_sockets(int family, int protocol,
                                                             int netns_fd) {
    const std::string what = describe(family, protocol);
    auto fail = [&](int code, std::string message) -> ItemError {
        return ItemError{"netlink", code, what, std::move(message)};
    };
    // Any other family would reach another sock_diag handler (unix, netlink ...) whose replies
    // are not inet_diag_msg.
    if (family != AF_INET && family != AF_INET6) return fail(EAFNOSUPPORT, "not an inet family");
    if (protocol < 0 || protocol > 255) return fail(EPROTONOSUPPORT, "protocol out of range");

    auto socket = netns::socket_in(netns_fd, AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
    if (!socket) {
        return fail(socket.error().code, socket.error().stage + ": " + socket.error().message);
    }
    posix::UniqueFd fd = std::move(*socket);
    // A dump that never ends must not hang the whole collection.
    timeval tv{10, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;  // nl_pid 0: the kernel picks a unique port id
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
        return fail(errno, std::string("bind: ") + std::strerror(errno));
    socklen_t alen = sizeof local;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &alen) != 0)
        return fail(errno, std::string("getsockname: ") + std::strerror(errno));

    static std::atomic<uint32_t> s_seq{1};
    const Expect expect{s_seq.fetch_add(1), local.nl_pid};
    struct {
        nlmsghdr h;
        inet_diag_req_v2 r;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = expect.seq;
    req.r.sdiag_family = static_cast<uint8_t>(family);
    req.r.sdiag_protocol = static_cast<uint8_t>(protocol);
    req.r.idiag_states = 0xffffffffu;  // every state: UDP sockets are CLOSE (7) or ESTABLISHED
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
        sent = ::sendto(fd.get(), &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel),
                        sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent != static_cast<ssize_t>(sizeof req))
        return fail(sent < 0 ? errno : EIO, "sendto: short or failed");

    std::vector<procfs::InetSocketRow> rows;
    std::string buf(64 * 1024, '\0');
    for (;;) {
        sockaddr_nl from{};
        socklen_t flen = sizeof from;
        // MSG_PEEK|MSG_TRUNC returns the datagram's full length, so a message bigger than the
        // buffer grows it instead of being cut (netlink would silently drop the tail).
        ssize_t n =
            ::recvfrom(fd.get(), buf.data(), buf.size(), MSG_PEEK | MSG_TRUNC, nullptr, nullptr);
        if (n >= 0 && static_cast<size_t>(n) > buf.size()) buf.resize(static_cast<size_t>(n));
        if (n >= 0)
            n = ::recvfrom(fd.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from),
                           &flen);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(errno, std::string("recv: ") + std::strerror(errno));
        }
        if (from.nl_pid != 0) continue;  // only the kernel answers a sock_diag request
        InetDiagChunk chunk = decode(std::string_view(buf.data(), static_cast<size_t>(n)), &expect);
        // Strict on purpose: a half-decoded dump would silently hide sockets.
        if (chunk.error != 0) return fail(chunk.error, std::strerror(chunk.error));
        if (chunk.malformed != 0)
            return fail(EPROTO, std::to_string(chunk.malformed) + " malformed reply message(s)");
        for (auto& r : chunk.rows) rows.push_back(std::move(r));
        if (chunk.done) return rows;
        if (n == 0) return fail(EPROTO, "empty reply before NLMSG_DONE");
    }
}

}  // namespace irsnap::netlink
