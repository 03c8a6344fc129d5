// SPDX-License-Identifier: Apache-2.0
#include "interfaces.hpp"

namespace irsnap::collectors {

const CollectorSpec& interfaces_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const CollectorSpec spec{
        .name = "interfaces",
        .description =
            "Network interfaces: name, index, MAC, MTU, flags (promiscuous mode called out), "
            "operational state, addresses and traffic counters; read through rtnetlink and "
            "/proc/net/dev and reconciled.",
        .volatility_rank = 16,
        .why =
            "Interface addresses and flags change with DHCP, VPNs and sniffers, but more slowly "
            "than neighbours and routes; counters keep moving.",
        .platforms = {"linux"},
        .privileges = "none: link and address dumps and /proc/net/dev are open to every user",
        .without_privileges = "nothing is lost without root",
        .fields = {
            {"name", "string", "Interface name.", k_linux},
            {"index", "integer", "Interface index; null when only /proc/net/dev saw it.", k_linux},
            {"mac", "string",
             "Link-layer address, lowercase colon hex (00:00:00:00:00:00 for loopback); null "
             "when the interface has none or only /proc saw it.",
             k_linux},
            {"mtu", "integer", "MTU in bytes; null when only /proc saw the interface.", k_linux},
            {"flags", "string[]",
             "IFF_* flags: UP, BROADCAST, LOOPBACK, POINTOPOINT, RUNNING, NOARP, PROMISC, "
             "ALLMULTI, MULTICAST, LOWER_UP ...; null when only /proc saw the interface.",
             k_linux},
            {"promiscuous", "boolean",
             "IFF_PROMISC is set: the interface receives every frame (a sniffer's sign); null "
             "when the flags are unknown.",
             k_linux},
            {"operstate", "string",
             "RFC 2863 operational state: UP, DOWN, LOWERLAYERDOWN, DORMANT, UNKNOWN ...", k_linux},
            {"addresses", "object[]",
             "Addresses: family (ipv4/ipv6), address, prefix_length, scope (global, link, host "
             "...), broadcast (IPv4, or null). Without netlink (a fixture tree) only IPv6 "
             "addresses from /proc/net/if_inet6 are known.",
             k_linux},
            {"rx_bytes", "integer", "Bytes received (IFLA_STATS64 or /proc/net/dev).", k_linux},
            {"tx_bytes", "integer", "Bytes sent.", k_linux},
            {"rx_packets", "integer", "Packets received.", k_linux},
            {"tx_packets", "integer", "Packets sent.", k_linux},
            {"views", "string[]",
             "Which kernel views saw the interface: netlink (RTM_GETLINK) and/or proc "
             "(/proc/net/dev).",
             k_linux},
            {"cross_view_discrepancy", "boolean",
             "Seen steadily by one view and not by the other (a hooked /proc/net/dev hides an "
             "interface).",
             k_linux},
            {"discrepancy", "string", "What differed, e.g. 'hidden from /proc/net/dev'.", k_linux},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash).",
             k_linux},
        }};
    return spec;
}

}  // namespace irsnap::collectors
