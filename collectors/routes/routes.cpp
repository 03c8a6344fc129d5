// SPDX-License-Identifier: Apache-2.0
#include "routes.hpp"

namespace irsnap::collectors {

const CollectorSpec& routes_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "routes",
        .description =
            "IPv4 and IPv6 routes of every routing table (main, local and policy tables), read "
            "through rtnetlink and /proc/net/route and ipv6_route and reconciled. On Windows: "
            "GetIpForwardTable2, both families in one table.",
        .volatility_rank = 14,
        .why =
            "RFC 3227 lists the routing table among the most volatile state (DHCP, router "
            "advertisements and attackers change it at run time); it lasts longer than the "
            "neighbour cache.",
        .platforms = {"linux", "windows"},
        .privileges =
            "none: route dumps, /proc/net/route, ipv6_route and GetIpForwardTable2 are open to "
            "every user",
        .without_privileges = "nothing is lost without root",
        .fields = {
            {"family", "string", "ipv4 or ipv6."},
            {"destination", "string",
             "Destination prefix in CIDR form; the default route is 0.0.0.0/0 or ::/0."},
            {"gateway", "string", "Next-hop address; null for directly connected routes."},
            {"interface", "string",
             "Outgoing interface name (Windows: the friendly name); null when the route has "
             "none."},
            {"interface_index", "integer",
             "Outgoing interface index; null when only /proc saw the route (it gives names)."},
            {"metric", "integer",
             "Route priority (lower wins). Windows: the route's own metric; the effective one "
             "adds the interface metric."},
            {"table", "string",
             "Routing table: main, local, default or the table number as text; null when only "
             "/proc/net/ipv6_route saw the route (it does not say).",
             k_linux},
            {"protocol", "string",
             "Who installed it: kernel, boot, static, dhcp, ra, bird, zebra ... (number as text "
             "when unnamed); null when only /proc saw the route. Windows (MIB_IPPROTO): other, "
             "local, netmgmt (static), rip, ospf, bgp, dhcp, nt_autostatic, nt_static ..."},
            {"origin", "string",
             "How the route came to be: manual, well_known, dhcp, router_advertisement, 6to4.",
             k_windows},
            {"age_seconds", "integer", "Seconds since the route was added or last changed.",
             k_windows},
            {"valid_lifetime_seconds", "integer",
             "Seconds the route stays valid; null when it never expires.", k_windows},
            {"loopback", "boolean", "The route is a loopback route.", k_windows},
            {"published", "boolean", "The route is advertised in router advertisements.",
             k_windows},
            {"scope", "string", "global, site, link, host or nowhere; null when only /proc saw it.",
             k_linux},
            {"type", "string",
             "unicast, local, broadcast, multicast, anycast, blackhole, unreachable, prohibit, "
             "throw ...; null when only /proc saw the route.",
             k_linux},
            {"preferred_source", "string", "Preferred source address (RTA_PREFSRC), if any.",
             k_linux},
            {"nexthop", "integer",
             "Position of this next hop within a multipath route (0 for the first or only one).",
             k_linux},
            {"views", "string[]",
             "Which kernel views saw the route: netlink (RTM_GETROUTE) and/or proc "
             "(/proc/net/route: main table only, no broadcast/multicast; /proc/net/ipv6_route: "
             "every table).",
             k_linux},
            {"cross_view_discrepancy", "boolean",
             "Seen steadily by one view and not by the other where both should list it.", k_linux},
            {"discrepancy", "string", "What differed, e.g. 'hidden from /proc/net/route'.",
             k_linux},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash).",
             k_linux},
        }};
    return spec;
}

}  // namespace irsnap::collectors
