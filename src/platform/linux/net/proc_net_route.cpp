// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/proc_net_route.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cctype>

#include "irsnap/linux/text_table.hpp"

namespace irsnap::procfs {
namespace {

using table::for_each_table_row;
using table::hex_to;
using table::number_to;
using table::split_ws;

constexpr uint32_t k_atf_com = 0x02;
constexpr uint32_t k_rtf_reject = 0x0200;

/// "0x1" or "1" as hex.
template <typename T>
bool prefixed_hex_to(std::string_view text, T& out) {
    if (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X") text.remove_prefix(2);
    return hex_to(text, out);
}

/// Eight hex digits of a host-order word holding an IPv4 address in network byte order.
bool ipv4_word(std::string_view hex, uint32_t& raw) {
    return hex.size() == 8 && hex_to(hex, raw);
}

std::string ipv4_text(uint32_t raw) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &raw, buf, sizeof buf);
    return buf;
}

/// 32 hex digits in network order (printed with %pi6 / %032x per byte).
bool ipv6_text(std::string_view hex, std::string& out) {
    if (hex.size() != 32) return false;
    unsigned char bytes[16];
    for (size_t i = 0; i < 16; ++i) {
        if (!hex_to(hex.substr(i * 2, 2), bytes[i])) return false;
    }
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(AF_INET6, bytes, buf, sizeof buf)) return false;
    out = buf;
    return true;
}

/// Colon-separated hex bytes ("02:FC:00:00:00:05"), lowercased.
bool mac_text(std::string_view text, std::string& out) {
    if (text.empty() || (text.size() + 1) % 3 != 0) return false;
    out.clear();
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool colon_place = i % 3 == 2;
        if (colon_place ? c != ':' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return true;
}

/// A contiguous netmask (network order in memory) to its prefix length.
bool prefix_of_mask(uint32_t raw, uint8_t& length) {
    const uint32_t mask = ntohl(raw);
    const uint32_t inverted = ~mask;
    if ((inverted & (inverted + 1)) != 0) return false;  // ones must be leading
    length = static_cast<uint8_t>(__builtin_popcount(mask));
    return true;
}

uint8_t rt_scope_of_ipv6_scope(uint32_t scope) {
    switch (scope) {
        case 0x00:
            return 0;  // global
        case 0x10:
            return 254;  // host (loopback)
        case 0x20:
            return 253;  // link
        case 0x40:
            return 200;  // site
        default:
            return static_cast<uint8_t>(scope);
    }
}

}  // namespace

std::vector<net::NeighborRow> parse_proc_net_arp(std::string_view text, size_t* malformed) {
    std::vector<net::NeighborRow> out;
    for_each_table_row(text, malformed, [&](std::string_view line) {
        auto f = split_ws(line);
        if (f.size() != 6) return false;
        net::NeighborRow row;
        row.family = AF_INET;
        unsigned char raw[4];
        uint32_t hw_type = 0;
        std::string mac;
        if (inet_pton(AF_INET, std::string(f[0]).c_str(), raw) != 1) return false;
        row.address = std::string(f[0]);
        if (!prefixed_hex_to(f[1], hw_type) || !prefixed_hex_to(f[2], row.arp_flags) ||
            !mac_text(f[3], mac))
            return false;
        if (row.arp_flags & k_atf_com) row.mac = mac;
        row.interface = std::string(f[5]);
        out.push_back(std::move(row));
        return true;
    });
    return out;
}

std::vector<net::RouteRow> parse_proc_net_route(std::string_view text, size_t* malformed) {
    std::vector<net::RouteRow> out;
    for_each_table_row(text, malformed, [&](std::string_view line) {
        // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
        auto f = split_ws(line);
        if (f.size() != 11) return false;
        uint32_t dst = 0, gw = 0, mask = 0, metric = 0;
        uint8_t length = 0;
        net::RouteRow row;
        row.family = AF_INET;
        if (!ipv4_word(f[1], dst) || !ipv4_word(f[2], gw) || !hex_to(f[3], row.proc_flags) ||
            !number_to(f[6], metric, 10) || !ipv4_word(f[7], mask) || !prefix_of_mask(mask, length))
            return false;
        row.interface = f[0] == "*" ? std::string() : std::string(f[0]);
        row.destination = ipv4_text(dst) + "/" + std::to_string(length);
        if (gw != 0) row.gateway = ipv4_text(gw);
        row.metric = metric;
        row.table = 254;  // RT_TABLE_MAIN: the only table this file shows
        out.push_back(std::move(row));
        return true;
    });
    return out;
}

std::vector<net::RouteRow> parse_proc_net_ipv6_route(std::string_view text, size_t* malformed) {
    std::vector<net::RouteRow> out;
    for_each_table_row(
        text, malformed,
        [&](std::string_view line) {
            // dst dst_len src src_len next_hop metric refcnt use flags device
            auto f = split_ws(line);
            if (f.size() != 10) return false;
            std::string dst, src, gw;
            uint8_t dst_len = 0, src_len = 0;
            uint32_t metric = 0;
            net::RouteRow row;
            row.family = AF_INET6;
            if (!ipv6_text(f[0], dst) || f[1].size() != 2 || !hex_to(f[1], dst_len) ||
                dst_len > 128 || !ipv6_text(f[2], src) || f[3].size() != 2 ||
                !hex_to(f[3], src_len) || src_len > 128 || !ipv6_text(f[4], gw) ||
                f[5].size() != 8 || !hex_to(f[5], metric) || f[8].size() != 8 ||
                !hex_to(f[8], row.proc_flags))
                return false;
            row.destination = dst + "/" + std::to_string(dst_len);
            if (gw != "::") row.gateway = gw;
            row.metric = metric;
            row.interface = std::string(f[9]);
            out.push_back(std::move(row));
            return true;
        },
        false);
    return out;
}

bool is_ipv6_null_entry(const net::RouteRow& row) {
    return row.family == AF_INET6 && row.destination == "::/0" && row.metric == 0xffffffffu &&
           (row.proc_flags & k_rtf_reject) != 0;
}

std::vector<net::LinkRow> parse_proc_net_dev(std::string_view text, size_t* malformed) {
    std::vector<net::LinkRow> out;
    for_each_table_row(text, malformed, [&](std::string_view line) {
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            // The second header line (" face |bytes ..."); anything else without a colon is junk.
            return line.find('|') != std::string_view::npos;
        }
        auto name = split_ws(line.substr(0, colon));
        auto f = split_ws(line.substr(colon + 1));
        if (name.size() != 1 || f.size() != 16) return false;
        net::LinkStats s;
        uint64_t ignored = 0;
        for (size_t i = 0; i < f.size(); ++i) {
            if (!number_to(f[i], ignored, 10)) return false;
        }
        number_to(f[0], s.rx_bytes, 10);
        number_to(f[1], s.rx_packets, 10);
        number_to(f[8], s.tx_bytes, 10);
        number_to(f[9], s.tx_packets, 10);
        net::LinkRow row;
        row.name = std::string(name[0]);
        row.stats = s;
        out.push_back(std::move(row));
        return true;
    });
    return out;
}

std::vector<net::AddressRow> parse_proc_net_if_inet6(std::string_view text, size_t* malformed) {
    std::vector<net::AddressRow> out;
    for_each_table_row(
        text, malformed,
        [&](std::string_view line) {
            auto f = split_ws(line);
            if (f.size() != 6) return false;
            net::AddressRow row;
            row.family = AF_INET6;
            uint32_t index = 0, length = 0, scope = 0;
            if (!ipv6_text(f[0], row.address) || !hex_to(f[1], index) || !hex_to(f[2], length) ||
                length > 128 || !hex_to(f[3], scope) || !hex_to(f[4], row.flags))
                return false;
            row.interface_index = static_cast<int32_t>(index);
            row.prefix_length = static_cast<uint8_t>(length);
            row.scope = rt_scope_of_ipv6_scope(scope);
            row.interface = std::string(f[5]);
            out.push_back(std::move(row));
            return true;
        },
        false);
    return out;
}

}  // namespace irsnap::procfs
