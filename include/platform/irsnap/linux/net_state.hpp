// SPDX-License-Identifier: Apache-2.0
// Rows of the kernel's network state (neighbours, routes, links, addresses) as both views see
// them: rtnetlink (rtnetlink.hpp) and the /proc/net tables (proc_net_route.hpp). One row type per
// object so the collectors can compare the views field by field. Plus the names of the kernel's
// numeric codes (pure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::net {

/// One ARP (IPv4) or NDP (IPv6) neighbour cache entry.
struct NeighborRow {
    int family = 0;  ///< AF_INET or AF_INET6
    std::string address;
    std::optional<std::string> mac;  ///< lowercase colon hex; none while unresolved
    int32_t interface_index = 0;     ///< 0 when the view does not give it (/proc/net/arp)
    std::string interface;           ///< name; empty when the view does not give it (netlink)
    std::optional<uint16_t> state;   ///< NUD_* bitmask; /proc/net/arp has none
    uint8_t flags = 0;               ///< netlink NTF_* flags
    uint32_t arp_flags = 0;          ///< /proc/net/arp ATF_* flags
    bool is_router = false;          ///< NTF_ROUTER (IPv6)
};

/// One route (one next hop of it: a multipath route gives one row per next hop).
struct RouteRow {
    int family = 0;
    std::string destination;  ///< CIDR: "0.0.0.0/0", "10.0.0.0/8", "::/0"
    std::optional<std::string> gateway;
    int32_t interface_index = 0;
    std::string interface;
    std::optional<uint32_t> metric;
    std::optional<uint32_t> table;  ///< RT_TABLE_*; /proc/net/ipv6_route does not say
    std::optional<uint8_t> protocol;
    std::optional<uint8_t> scope;
    std::optional<uint8_t> type;  ///< RTN_*
    std::optional<std::string> preferred_source;
    uint32_t proc_flags = 0;  ///< RTF_* flags of the /proc view
    uint16_t nexthop = 0;     ///< position within a multipath route (0 for the first)
};

/// Interface counters (IFLA_STATS64 or /proc/net/dev).
struct LinkStats {
    uint64_t rx_bytes = 0;
    uint64_t tx_bytes = 0;
    uint64_t rx_packets = 0;
    uint64_t tx_packets = 0;
};

/// One network interface (RTM_NEWLINK, or a /proc/net/dev row: name and counters only).
struct LinkRow {
    int32_t index = 0;
    std::string name;
    std::optional<std::string> mac;
    std::optional<uint32_t> mtu;
    std::optional<uint32_t> flags;  ///< IFF_*
    std::optional<uint8_t> operstate;
    std::optional<LinkStats> stats;
};

/// One address of an interface (RTM_NEWADDR, or a /proc/net/if_inet6 row).
struct AddressRow {
    int family = 0;
    int32_t interface_index = 0;
    std::string interface;  ///< IFA_LABEL (v4) or the /proc/net/if_inet6 name; may be empty
    std::string address;
    uint8_t prefix_length = 0;
    uint8_t scope = 0;
    std::optional<std::string> broadcast;
    uint32_t flags = 0;  ///< IFA_F_*
};

/// "ipv4", "ipv6", or "family_N".
std::string family_name(int family);
/// Lowercase colon hex of raw link-layer bytes ("" for none).
std::string format_mac(std::string_view bytes);
/// NUD_* bitmask as names joined by '|': "REACHABLE", "STALE|...", "NONE" for 0.
std::string neighbor_state_names(uint16_t state);
/// NTF_* names: "router", "proxy", "extern_learn" ...
std::vector<std::string> neighbor_flag_names(uint8_t flags);
/// /proc/net/arp ATF_* names: "complete", "permanent", "published" ...
std::vector<std::string> arp_flag_names(uint32_t flags);
/// RTPROT_*: "kernel", "boot", "static", "dhcp", "ra" ...; else the number as text.
std::string route_protocol_name(uint8_t protocol);
/// RT_SCOPE_*: "global", "site", "link", "host", "nowhere"; else the number as text.
std::string scope_name(uint8_t scope);
/// RTN_*: "unicast", "local", "broadcast", "blackhole", "unreachable" ...
std::string route_type_name(uint8_t type);
/// RT_TABLE_*: "main", "local", "default"; else the number as text.
std::string route_table_name(uint32_t table);
/// IFF_* names: "UP", "BROADCAST", "LOOPBACK", "PROMISC", "LOWER_UP" ...
std::vector<std::string> link_flag_names(uint32_t flags);
/// IF_OPER_*: "UP", "DOWN", "UNKNOWN" ...
std::string operstate_name(uint8_t operstate);

}  // namespace irsnap::net
