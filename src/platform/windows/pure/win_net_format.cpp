// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_net_format.hpp"

#include <iterator>

#include <fmt/format.h>

#include "irsnap/ip_text.hpp"

namespace irsnap::collectors::win_net {
namespace {

template <size_t N>
std::string name_or(const char* const (&names)[N], uint32_t value, const std::string& fallback) {
    if (value < N && names[value]) return names[value];
    return fallback;
}

}  // namespace

std::string tcp_state_name(uint32_t s) {
    static constexpr const char* k_names[] = {
        nullptr,     "CLOSE",      "LISTEN",  "SYN_SENT", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT1",
        "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT", "DELETE_TCB"};
    return name_or(k_names, s, "UNKNOWN_" + std::to_string(s));
}

std::string ipv6_with_scope(const uint8_t* b, uint32_t scope_id) {
    std::string text = ip::format_ipv6(b);
    const bool scoped = b[0] == 0xfe && (b[1] & 0xc0) >= 0x80;  // fe80::/10, fec0::/10
    if (scoped && scope_id != 0) text += "%" + std::to_string(scope_id);
    return text;
}

bool is_unspecified(bool ipv6, const uint8_t* b) {
    for (size_t i = 0; i < (ipv6 ? 16u : 4u); ++i) {
        if (b[i] != 0) return false;
    }
    return true;
}

std::string address_scope(bool ipv6, const uint8_t* b) {
    if (!ipv6) {
        if (b[0] == 127) return "host";
        if (b[0] == 169 && b[1] == 254) return "link";
        return "global";
    }
    bool loopback = b[15] == 1;
    for (int i = 0; i < 15; ++i) loopback = loopback && b[i] == 0;
    if (loopback) return "host";
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link";
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site";
    return "global";
}

std::optional<std::string> format_mac(const uint8_t* b, size_t length) {
    if (length == 0) return std::nullopt;
    std::string out;
    for (size_t i = 0; i < length; ++i) out += fmt::format("{}{:02x}", i ? ":" : "", b[i]);
    return out;
}

std::string neighbor_state_name(uint32_t s) {
    static constexpr const char* k_names[] = {"UNREACHABLE", "INCOMPLETE", "PROBE",    "DELAY",
                                              "STALE",       "REACHABLE",  "PERMANENT"};
    return name_or(k_names, s, "UNKNOWN_" + std::to_string(s));
}

std::string route_protocol_name(uint32_t p) {
    static constexpr const char* k_names[] = {
        nullptr, "other", "local", "netmgmt", "icmp", "egp",  "ggp",   "hello", "rip", "is_is",
        "es_is", "cisco", "bbn",   "ospf",    "bgp",  "idpr", "eigrp", "dvmrp", "rpl", "dhcp"};
    switch (p) {
        case 10002:
            return "nt_autostatic";
        case 10006:
            return "nt_static";
        case 10007:
            return "nt_static_non_dod";
        default:
            return name_or(k_names, p, std::to_string(p));
    }
}

std::string route_origin_name(uint32_t o) {
    static constexpr const char* k_names[] = {"manual", "well_known", "dhcp",
                                              "router_advertisement", "6to4"};
    return name_or(k_names, o, std::to_string(o));
}

std::string oper_status_name(uint32_t s) {
    static constexpr const char* k_names[] = {nullptr,   "UP",      "DOWN",       "TESTING",
                                              "UNKNOWN", "DORMANT", "NOTPRESENT", "LOWERLAYERDOWN"};
    return name_or(k_names, s, "UNKNOWN_" + std::to_string(s));
}

std::string if_type_name(uint32_t t) {
    switch (t) {
        case 1:
            return "other";
        case 6:
            return "ethernet";
        case 9:
            return "token_ring";
        case 23:
            return "ppp";
        case 24:
            return "loopback";
        case 37:
            return "atm";
        case 71:
            return "wireless";
        case 131:
            return "tunnel";
        case 144:
            return "ieee1394";
        case 243:
            return "wwan_pp";
        case 244:
            return "wwan_pp2";
        default:
            return std::to_string(t);
    }
}

std::string dns_type_name(uint16_t t) {
    switch (t) {
        case 1:
            return "A";
        case 2:
            return "NS";
        case 5:
            return "CNAME";
        case 6:
            return "SOA";
        case 12:
            return "PTR";
        case 15:
            return "MX";
        case 16:
            return "TXT";
        case 28:
            return "AAAA";
        case 33:
            return "SRV";
        case 39:
            return "DNAME";
        case 43:
            return "DS";
        case 46:
            return "RRSIG";
        case 47:
            return "NSEC";
        case 48:
            return "DNSKEY";
        case 64:
            return "SVCB";
        case 65:
            return "HTTPS";
        case 255:
            return "ANY";
        default:
            return "TYPE" + std::to_string(t);
    }
}

}  // namespace irsnap::collectors::win_net
