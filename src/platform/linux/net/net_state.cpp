// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/net_state.hpp"

#include <sys/socket.h>

#include <cstdio>

namespace irsnap::net {
namespace {

struct Name {
    uint32_t value;
    const char* name;
};

template <size_t N>
std::string lookup(const Name (&names)[N], uint32_t value) {
    for (const auto& n : names)
        if (n.value == value) return n.name;
    return std::to_string(value);
}

template <size_t N>
std::vector<std::string> bits(const Name (&names)[N], uint32_t flags) {
    std::vector<std::string> out;
    for (const auto& n : names) {
        if (flags & n.value) {
            out.emplace_back(n.name);
            flags &= ~n.value;
        }
    }
    // Bits without a name stay visible rather than vanish.
    for (uint32_t bit = 1; flags != 0; bit <<= 1) {
        if (!(flags & bit)) continue;
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%x", bit);
        out.emplace_back(hex);
        flags &= ~bit;
    }
    return out;
}

// Values from linux/neighbour.h, linux/rtnetlink.h, linux/if.h and net/if_arp.h, spelled out so
// the names do not depend on the build machine's headers.
constexpr Name k_nud[] = {{0x01, "INCOMPLETE"}, {0x02, "REACHABLE"}, {0x04, "STALE"},
                          {0x08, "DELAY"},      {0x10, "PROBE"},     {0x20, "FAILED"},
                          {0x40, "NOARP"},      {0x80, "PERMANENT"}};
constexpr Name k_ntf[] = {{0x01, "use"},    {0x02, "self"},         {0x04, "master"},
                          {0x08, "proxy"},  {0x10, "extern_learn"}, {0x20, "offload"},
                          {0x40, "sticky"}, {0x80, "router"}};
constexpr Name k_atf[] = {{0x02, "complete"}, {0x04, "permanent"}, {0x08, "published"},
                          {0x10, "trailers"}, {0x20, "netmask"},   {0x40, "dont_publish"}};
constexpr Name k_protocols[] = {
    {0, "unspec"},      {1, "redirect"}, {2, "kernel"}, {3, "boot"},   {4, "static"},
    {8, "gated"},       {9, "ra"},       {10, "mrt"},   {11, "zebra"}, {12, "bird"},
    {13, "dnrouted"},   {14, "xorp"},    {15, "ntk"},   {16, "dhcp"},  {17, "mrouted"},
    {18, "keepalived"}, {42, "babel"},   {99, "openr"}, {186, "bgp"},  {187, "isis"},
    {188, "ospf"},      {189, "rip"},    {192, "eigrp"}};
constexpr Name k_scopes[] = {
    {0, "global"}, {200, "site"}, {253, "link"}, {254, "host"}, {255, "nowhere"}};
constexpr Name k_types[] = {{0, "unspec"},   {1, "unicast"},   {2, "local"},     {3, "broadcast"},
                            {4, "anycast"},  {5, "multicast"}, {6, "blackhole"}, {7, "unreachable"},
                            {8, "prohibit"}, {9, "throw"},     {10, "nat"},      {11, "xresolve"}};
constexpr Name k_tables[] = {
    {0, "unspec"}, {252, "compat"}, {253, "default"}, {254, "main"}, {255, "local"}};
constexpr Name k_iff[] = {
    {0x1, "UP"},           {0x2, "BROADCAST"},   {0x4, "DEBUG"},        {0x8, "LOOPBACK"},
    {0x10, "POINTOPOINT"}, {0x20, "NOTRAILERS"}, {0x40, "RUNNING"},     {0x80, "NOARP"},
    {0x100, "PROMISC"},    {0x200, "ALLMULTI"},  {0x400, "MASTER"},     {0x800, "SLAVE"},
    {0x1000, "MULTICAST"}, {0x2000, "PORTSEL"},  {0x4000, "AUTOMEDIA"}, {0x8000, "DYNAMIC"},
    {0x10000, "LOWER_UP"}, {0x20000, "DORMANT"}, {0x40000, "ECHO"}};
constexpr Name k_operstates[] = {
    {0, "UNKNOWN"}, {1, "NOTPRESENT"}, {2, "DOWN"}, {3, "LOWERLAYERDOWN"},
    {4, "TESTING"}, {5, "DORMANT"},    {6, "UP"}};

}  // namespace

std::string family_name(int family) {
    if (family == AF_INET) return "ipv4";
    if (family == AF_INET6) return "ipv6";
    return "family_" + std::to_string(family);
}

std::string format_mac(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        if (!out.empty()) out.push_back(':');
        out.push_back(k_hex[c >> 4]);
        out.push_back(k_hex[c & 0xf]);
    }
    return out;
}

std::string neighbor_state_names(uint16_t state) {
    if (state == 0) return "NONE";
    std::string out;
    for (const auto& name : bits(k_nud, state)) out += (out.empty() ? "" : "|") + name;
    return out;
}

std::vector<std::string> neighbor_flag_names(uint8_t flags) {
    return bits(k_ntf, flags);
}

std::vector<std::string> arp_flag_names(uint32_t flags) {
    return bits(k_atf, flags);
}

std::string route_protocol_name(uint8_t protocol) {
    return lookup(k_protocols, protocol);
}

std::string scope_name(uint8_t scope) {
    return lookup(k_scopes, scope);
}

std::string route_type_name(uint8_t type) {
    return lookup(k_types, type);
}

std::string route_table_name(uint32_t table) {
    return lookup(k_tables, table);
}

std::vector<std::string> link_flag_names(uint32_t flags) {
    return bits(k_iff, flags);
}

std::string operstate_name(uint8_t operstate) {
    return lookup(k_operstates, operstate);
}

}  // namespace irsnap::net
