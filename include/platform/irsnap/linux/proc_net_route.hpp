// SPDX-License-Identifier: Apache-2.0
// Pure parsers for the /proc/net tables of the neighbour cache, routes and interfaces: the text
// view beside rtnetlink (rtnetlink.hpp). Like every /proc/net file they show only the reader's
// network namespace.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "irsnap/linux/net_state.hpp"

namespace irsnap::procfs {

/// /proc/net/arp (IPv4 only; IPv6 neighbours have no /proc file). Columns: IP address, HW type,
/// Flags, HW address, Mask, Device. `mac` is set only when the entry is complete (ATF_COM): the
/// kernel prints 00:00:00:00:00:00 for unresolved entries. Proxy entries carry ATF_PUBL.
std::vector<net::NeighborRow> parse_proc_net_arp(std::string_view text,
                                                 size_t* malformed = nullptr);

/// /proc/net/route: the IPv4 main table only, without broadcast and multicast routes (that is
/// what the kernel prints). Addresses are hex of host-order 32-bit words; the mask must be
/// contiguous. "*" as interface means none. `table` is main (254); protocol, scope and type are
/// not in the file and stay unset.
std::vector<net::RouteRow> parse_proc_net_route(std::string_view text, size_t* malformed = nullptr);

/// /proc/net/ipv6_route (no header line): every table, addresses as 32 hex digits in network
/// order, prefix lengths, metric and RTF_* flags in hex, device name. Includes the kernel's
/// placeholder null entry (::/0, metric 0xffffffff, RTF_REJECT, on lo), which netlink never
/// dumps; see is_ipv6_null_entry().
std::vector<net::RouteRow> parse_proc_net_ipv6_route(std::string_view text,
                                                     size_t* malformed = nullptr);

/// The root placeholder of the IPv6 FIB printed by /proc/net/ipv6_route only.
bool is_ipv6_null_entry(const net::RouteRow& row);

/// /proc/net/dev (two header lines): name and counters per interface; index, MAC, flags, MTU
/// and operstate stay unset.
std::vector<net::LinkRow> parse_proc_net_dev(std::string_view text, size_t* malformed = nullptr);

/// /proc/net/if_inet6 (no header): IPv6 address (32 hex), ifindex, prefix length, scope, flags
/// (hex) and name. The scope column uses IPV6_ADDR_* values; they are turned into RT_SCOPE_*.
std::vector<net::AddressRow> parse_proc_net_if_inet6(std::string_view text,
                                                     size_t* malformed = nullptr);

}  // namespace irsnap::procfs
