// SPDX-License-Identifier: Apache-2.0
// The netlink dump protocol shared by sock_diag and rtnetlink: a pure walker over the messages of
// one recv() buffer, and one live request/response loop. Each family's decoder only turns a
// message payload into a row; framing, errors and the socket live here once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "irsnap/result.hpp"

namespace irsnap::netlink {

/// What a walk over one buffer found besides the messages handed to the callback.
struct WalkResult {
    bool done = false;     ///< NLMSG_DONE seen: the dump is complete
    int error = 0;         ///< errno from NLMSG_ERROR / a failed NLMSG_DONE (positive), 0 if none
    size_t malformed = 0;  ///< messages skipped as too short, inconsistent or of a foreign type
};

/// Replies accepted on a live socket: sequence number and our port id. The pure decoders pass
/// none (they check no sender).
struct Expect {
    uint32_t seq;
    uint32_t pid;
};

/// Called for every data message (not DONE/ERROR/NOOP) with its type and payload (after the
/// nlmsghdr, within nlmsg_len). Returns false when the message is malformed: it is counted.
using MessageFn = std::function<bool(uint16_t type, std::string_view payload)>;

/// Pure: walks the netlink messages in `bytes`. Never reads past `bytes`; every length is
/// checked; stops at NLMSG_DONE, at an error, or at a length it cannot trust.
WalkResult walk_messages(std::string_view bytes, const Expect* expect, const MessageFn& on_message);

/// Sends one dump request (`request` is a complete message starting with an nlmsghdr whose
/// nlmsg_seq is overwritten) on a fresh NETLINK socket of `protocol` and hands every reply
/// message to `on_message` until NLMSG_DONE. A receive timeout bounds a kernel that never
/// answers. Strict: an error reply or any malformed message fails the whole dump (stage
/// "netlink", path `what`), because a half-decoded dump would silently hide entries.
/// No privileges needed for NETLINK_ROUTE and NETLINK_SOCK_DIAG dumps of our own namespace;
/// `netns_fd` (an open /proc/PID/ns/net, -1 = our own) asks another one, which needs root.
Result<bool> dump(int protocol, void* request, size_t request_size, const std::string& what,
                  const MessageFn& on_message, int netns_fd = -1);

}  // namespace irsnap::netlink
