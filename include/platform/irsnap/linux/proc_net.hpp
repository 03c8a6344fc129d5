// SPDX-License-Identifier: Apache-2.0
// Pure parsers for the /proc/net socket tables (tcp, tcp6, udp, udp6, udplite, udplite6).
// They show only the reader's network namespace; netlink sock_diag is the independent view.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::procfs {

/// One row of /proc/net/{tcp,udp}[6]. Addresses are rendered as text (inet_ntop).
struct InetSocketRow {
    int family = 0;  ///< AF_INET or AF_INET6
    std::string local_address;
    uint16_t local_port = 0;
    std::string remote_address;
    uint16_t remote_port = 0;
    uint8_t state = 0;  ///< kernel TCP state number (0x0A = LISTEN); UDP uses 7 (CLOSE) / 1
    uint32_t tx_queue = 0;
    uint32_t rx_queue = 0;
    int64_t uid = 0;
    uint64_t inode = 0;
};

/// Parses a whole table. `family` is AF_INET for tcp/udp and AF_INET6 for tcp6/udp6. The header
/// line is skipped; malformed rows are skipped and counted in `malformed` when given.
std::vector<InetSocketRow> parse_proc_net_inet(std::string_view text, int family,
                                               size_t* malformed = nullptr);

/// One row of /proc/net/unix.
struct UnixSocketRow {
    uint64_t inode = 0;
    uint32_t flags = 0;  ///< 0x10000 (__SO_ACCEPTCON): listening
    uint16_t type = 0;   ///< 1 stream, 2 dgram, 5 seqpacket
    uint8_t state = 0;   ///< 1 unconnected, 2 connecting, 3 connected, 4 disconnecting
    std::string path;    ///< raw bytes; "@name" for abstract sockets; empty when unnamed
};

/// Parses /proc/net/unix. The path is the rest of the line after the seventh field: the kernel
/// prints it unescaped, so it may hold spaces (a newline in a path cannot be told apart).
std::vector<UnixSocketRow> parse_proc_net_unix(std::string_view text, size_t* malformed = nullptr);

/// One row of /proc/net/packet (AF_PACKET: sniffers, DHCP clients, raw-frame backdoors).
struct PacketSocketRow {
    uint16_t type = 0;      ///< 3 SOCK_RAW (whole frames), 2 SOCK_DGRAM (cooked)
    uint16_t protocol = 0;  ///< ethertype in host order (0x0003 ETH_P_ALL = every frame)
    int32_t ifindex = 0;    ///< bound interface, 0 = all
    bool running = false;
    int64_t uid = 0;
    uint64_t inode = 0;
};
/// Parses /proc/net/packet: "sk RefCnt Type Proto Iface R Rmem User Inode".
std::vector<PacketSocketRow> parse_proc_net_packet(std::string_view text,
                                                   size_t* malformed = nullptr);

/// One row of /proc/net/netlink: only what the cross-view check needs.
struct NetlinkSocketRow {
    int protocol = 0;  ///< NETLINK_ROUTE, NETLINK_SOCK_DIAG ...
    uint32_t port_id = 0;
    uint64_t inode = 0;
};
/// Parses /proc/net/netlink: "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode".
std::vector<NetlinkSocketRow> parse_proc_net_netlink(std::string_view text,
                                                     size_t* malformed = nullptr);

/// "stream", "dgram", "seqpacket" or "type_N".
std::string unix_type_name(uint16_t type);

/// "LISTEN" when flagged so, else "UNCONNECTED", "CONNECTING", "CONNECTED", "DISCONNECTING".
std::string unix_state_name(uint8_t state, uint32_t flags);

/// "LISTEN", "ESTABLISHED" ... for a kernel TCP state number; "UNKNOWN_n" otherwise.
std::string tcp_state_name(uint8_t state);

}  // namespace irsnap::procfs
