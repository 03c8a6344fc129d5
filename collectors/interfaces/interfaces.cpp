// SPDX-License-Identifier: Apache-2.0
#include "interfaces.hpp"

namespace irsnap::collectors {

const CollectorSpec& interfaces_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "interfaces",
        .description =
            "Network interfaces: name, index, MAC, MTU, flags (promiscuous mode called out), "
            "operational state, addresses and traffic counters; read through rtnetlink and "
            "/proc/net/dev and reconciled. On Windows: GetAdaptersAddresses (every NDIS "
            "interface, with gateways and DNS servers) and GetIfEntry2 for the counters.",
        .volatility_rank = 16,
        .why =
            "Interface addresses and flags change with DHCP, VPNs and sniffers, but more slowly "
            "than neighbours and routes; counters keep moving.",
        .platforms = {"linux", "windows"},
        .privileges =
            "none: link and address dumps, /proc/net/dev and GetAdaptersAddresses are open to "
            "every user",
        .without_privileges = "nothing is lost without root",
        .fields = {
            {"name", "string",
             "Interface name (Windows: the adapter name, a GUID such as "
             "{4D36E972-...}; see friendly_name)."},
            {"friendly_name", "string", "The name users see, e.g. Ethernet or Wi-Fi.", k_windows},
            {"description", "string", "The adapter's description (usually the driver's name).",
             k_windows},
            {"index", "integer",
             "Interface index (Windows: the IPv4 index, else the IPv6 one); null when only "
             "/proc/net/dev saw it."},
            {"mac", "string",
             "Link-layer address, lowercase colon hex (00:00:00:00:00:00 for loopback on "
             "Linux); null when the interface has none or only /proc saw it."},
            {"mtu", "integer", "MTU in bytes; null when only /proc saw the interface."},
            {"flags", "string[]",
             "IFF_* flags: UP, BROADCAST, LOOPBACK, POINTOPOINT, RUNNING, NOARP, PROMISC, "
             "ALLMULTI, MULTICAST, LOWER_UP ...; null when only /proc saw the interface.",
             k_linux},
            {"promiscuous", "boolean",
             "IFF_PROMISC is set: the interface receives every frame (a sniffer's sign); null "
             "when the flags are unknown.",
             k_linux},
            {"operstate", "string",
             "RFC 2863 operational state: UP, DOWN, LOWERLAYERDOWN, DORMANT, UNKNOWN, "
             "NOTPRESENT, TESTING."},
            {"if_type", "string",
             "IANA interface type: ethernet, loopback, wireless, tunnel, ppp ... (the number "
             "as text when unnamed).",
             k_windows},
            {"dhcp_enabled", "boolean", "DHCP (IPv4) is enabled on the interface.", k_windows},
            {"dns_suffix", "string", "The interface's DNS suffix; null when none.", k_windows},
            {"dns_servers", "string[]",
             "DNS servers configured on the interface (IPv6 link-local ones with %zone).",
             k_windows},
            {"gateways", "string[]", "Default gateways of the interface.", k_windows},
            {"addresses", "object[]",
             "Addresses: family (ipv4/ipv6), address, prefix_length, scope (global, link, host "
             "...), broadcast (Linux: IPv4, or null). Without netlink (a fixture tree) only "
             "IPv6 addresses from /proc/net/if_inet6 are known. Windows: unicast addresses; "
             "the scope is derived from the address (loopback host, 169.254/16 and fe80::/10 "
             "link, fec0::/10 site, else global)."},
            {"rx_bytes", "integer",
             "Bytes received (IFLA_STATS64 or /proc/net/dev; Windows: GetIfEntry2)."},
            {"tx_bytes", "integer", "Bytes sent."},
            {"rx_packets", "integer", "Packets received (Windows: unicast and non-unicast)."},
            {"tx_packets", "integer", "Packets sent."},
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
