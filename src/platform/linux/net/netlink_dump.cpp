// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/netlink_dump.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/netns.hpp"

namespace irsnap::netlink {

WalkResult walk_messages(std::string_view bytes, const Expect* expect,
                         const MessageFn& on_message) {
    WalkResult out;
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
        const std::string_view payload = bytes.substr(
            off + NLMSG_HDRLEN, h.nlmsg_len - std::min<size_t>(h.nlmsg_len, NLMSG_HDRLEN));
        off += std::min<size_t>(NLMSG_ALIGN(h.nlmsg_len), left);
        if (expect && (h.nlmsg_seq != expect->seq || h.nlmsg_pid != expect->pid)) {
            ++out.malformed;  // not an answer to our request
            continue;
        }
        if (h.nlmsg_type == NLMSG_DONE) {
            out.done = true;
            // Since 4.x the DONE payload is an int: a negative errno when the dump failed.
            int code = 0;
            if (payload.size() >= sizeof code) std::memcpy(&code, payload.data(), sizeof code);
            if (code < 0) out.error = code == INT_MIN ? EPROTO : -code;
        } else if (h.nlmsg_type == NLMSG_ERROR) {
            int code = 0;
            if (payload.size() < sizeof code) {
                ++out.malformed;
                continue;
            }
            std::memcpy(&code, payload.data(), sizeof code);
            // 0 is an ACK; a positive value is no errno encoding (and -INT_MIN overflows).
            if (code < 0) out.error = code == INT_MIN ? EPROTO : -code;
            if (code > 0) ++out.malformed;
        } else if (h.nlmsg_type == NLMSG_NOOP) {
            continue;
        } else if (!on_message(h.nlmsg_type, payload)) {
            ++out.malformed;
        }
    }
    return out;
}

Result<bool> dump(int protocol, void* request, size_t request_size, const std::string& what,
                  const MessageFn& on_message, int netns_fd) {
    auto fail = [&](int code, std::string message) -> ItemError {
        return ItemError::from_errno("netlink", code, what, std::move(message));
    };
    if (request_size < sizeof(nlmsghdr)) return fail(EINVAL, "request shorter than a header");
    auto socket = netns::socket_in(netns_fd, AF_NETLINK, SOCK_DGRAM, protocol);
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
    nlmsghdr h{};
    std::memcpy(&h, request, sizeof h);
    h.nlmsg_seq = expect.seq;
    std::memcpy(request, &h, sizeof h);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
        sent = ::sendto(fd.get(), request, request_size, 0, reinterpret_cast<sockaddr*>(&kernel),
                        sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent != static_cast<ssize_t>(request_size))
        return fail(sent < 0 ? errno : EIO, "sendto: short or failed");

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
        if (from.nl_pid != 0) continue;  // only the kernel answers a dump request
        WalkResult walk = walk_messages(std::string_view(buf.data(), static_cast<size_t>(n)),
                                        &expect, on_message);
        // Strict on purpose: a half-decoded dump would silently hide entries.
        if (walk.error != 0) return fail(walk.error, std::strerror(walk.error));
        if (walk.malformed != 0)
            return fail(EPROTO, std::to_string(walk.malformed) + " malformed reply message(s)");
        if (walk.done) return true;
        if (n == 0) return fail(EPROTO, "empty reply before NLMSG_DONE");
    }
}

}  // namespace irsnap::netlink
