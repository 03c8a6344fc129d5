// SPDX-License-Identifier: Apache-2.0
#include "neighbors.hpp"

namespace irsnap::collectors {

const CollectorSpec& neighbors_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "neighbors",
        .description =
            "ARP (IPv4) and NDP (IPv6) neighbour cache entries: address, MAC, interface and "
            "state; IPv4 is read through rtnetlink and /proc/net/arp and reconciled. On "
            "Windows: GetIpNetTable2, both families in one table.",
        .volatility_rank = 12,
        .why =
            "RFC 3227 lists the ARP cache among the most volatile state: entries expire within "
            "seconds to minutes, so it is read right after the sockets.",
        .platforms = {"linux", "windows"},
        .privileges =
            "none: rtnetlink neighbour dumps, /proc/net/arp and GetIpNetTable2 are open to "
            "every user",
        .without_privileges = "nothing is lost without root",
        .fields = {
            {"family", "string", "ipv4 (ARP) or ipv6 (NDP)."},
            {"address", "string", "The neighbour's IP address (no zone id)."},
            {"mac", "string",
             "Link-layer address, lowercase colon hex; null while the entry is unresolved "
             "(INCOMPLETE, FAILED; Windows: INCOMPLETE, UNREACHABLE)."},
            {"interface", "string",
             "Interface name (Windows: the friendly name, e.g. Ethernet; null when no adapter "
             "has the index)."},
            {"interface_index", "integer",
             "Interface index; null when only /proc/net/arp saw the entry (it gives names)."},
            {"state", "string",
             "Kernel NUD state names joined by '|': REACHABLE, STALE, DELAY, PROBE, FAILED, "
             "NOARP, PERMANENT, INCOMPLETE (NONE for 0); null when only /proc/net/arp saw the "
             "entry, which shows no state. Windows (NL_NEIGHBOR_STATE): UNREACHABLE, "
             "INCOMPLETE, PROBE, DELAY, STALE, REACHABLE, PERMANENT."},
            {"is_router", "boolean",
             "The neighbour advertised itself as a router (NTF_ROUTER; Windows: IsRouter); "
             "null for IPv4 on Linux."},
            {"flags", "string[]",
             "Netlink NTF_* flags (router, proxy, extern_learn ...) or, for an entry only "
             "/proc/net/arp saw, its ATF_* flags (complete, permanent, published ...). "
             "Windows: router, unreachable."},
            {"reachability_ms", "integer",
             "Milliseconds since the neighbour was last confirmed reachable or, with the "
             "unreachable flag, since it became unreachable.",
             k_windows},
            {"views", "string[]",
             "Which kernel views saw the entry: netlink (RTM_GETNEIGH) and/or proc "
             "(/proc/net/arp).",
             k_linux},
            {"cross_view_discrepancy", "boolean",
             "IPv4: seen steadily by one view and not by the other (a hooked /proc/net/arp "
             "leaves this behind). Null for IPv6: there is no /proc file to compare with.",
             k_linux},
            {"discrepancy", "string", "What differed, e.g. 'hidden from /proc/net/arp'.", k_linux},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash).",
             k_linux},
        }};
    return spec;
}

}  // namespace irsnap::collectors
