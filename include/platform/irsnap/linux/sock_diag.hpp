// SPDX-License-Identifier: Apache-2.0
// NETLINK_SOCK_DIAG inet socket dump: the second, independent view of TCP/UDP sockets beside
// /proc/net (see proc_net.hpp). A hook on the /proc/net seq files does not hide from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "irsnap/linux/proc_net.hpp"
#include "irsnap/result.hpp"

namespace irsnap::netlink {

/// Result of decoding one recv() buffer of a SOCK_DIAG_BY_FAMILY dump.
struct InetDiagChunk {
    std::vector<procfs::InetSocketRow> rows;
    bool done = false;     ///< NLMSG_DONE seen: the dump is complete
    int error = 0;         ///< errno from an NLMSG_ERROR message (positive), 0 if none
    size_t malformed = 0;  ///< messages skipped as too short / inconsistent
};

/// Pure: decodes a buffer of netlink messages (nlmsghdr + inet_diag_msg ...) into rows. Never
/// reads past `bytes`; every length is checked. Attributes after inet_diag_msg are ignored.
InetDiagChunk parse_inet_diag_dump(std::string_view bytes);

/// Dumps every socket of (family AF_INET/AF_INET6, protocol IPPROTO_TCP/UDP/UDPLITE) in the
/// network namespace `netns_fd` (an open /proc/PID/ns/net; -1 = the caller's own) through
/// NETLINK_SOCK_DIAG (inet_diag_req_v2). Independent of /proc/net: that is the point (a
/// rootkit hooking /proc/net/tcp stays visible). Another namespace needs root. `states` is a
/// mask of 1 << TCP state (default: all; the kernel skips the others before copying them out).
Result<std::vector<procfs::InetSocketRow>> dump_inet_sockets(int family, int protocol,
                                                             int netns_fd = -1,
                                                             uint32_t states = 0xffffffffu);

}  // namespace irsnap::netlink
