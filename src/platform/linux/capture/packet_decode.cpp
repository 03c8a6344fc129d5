// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

#include "irsnap/linux/packet_capture.hpp"
#include "wire_bytes.hpp"

namespace irsnap::capture {
namespace {

constexpr uint16_t k_ethertype_ipv4 = 0x0800;
constexpr uint16_t k_ethertype_ipv6 = 0x86DD;
constexpr size_t k_ipv4_min_header = 20;
constexpr size_t k_ipv6_header = 40;
// More extension headers than this is no real traffic; the bound keeps a forged chain short.
constexpr int k_max_ipv6_extensions = 8;

/// Fills ports, flags and payload from `l4`: the transport bytes, already cut at the packet's end.
void decode_transport(std::string_view l4, PacketInfo& info) {
    switch (info.protocol) {
        case IPPROTO_TCP: {
            if (l4.size() < 20) return;
            info.sport = wire::be16(l4, 0);
            info.dport = wire::be16(l4, 2);
            info.tcp_flags = wire::u8(l4, 13);
            const size_t data_offset = static_cast<size_t>(wire::u8(l4, 12) >> 4) * 4;
            if (data_offset >= 20 && data_offset <= l4.size())
                info.payload = l4.substr(data_offset);
            return;
        }
        case IPPROTO_UDP: {
            if (l4.size() < 8) return;
            info.sport = wire::be16(l4, 0);
            info.dport = wire::be16(l4, 2);
            // The UDP length bounds the payload when it is smaller (a forged one is ignored).
            const size_t udp_length = wire::be16(l4, 4);
            size_t end = l4.size();
            if (udp_length >= 8 && udp_length < end) end = udp_length;
            info.payload = l4.substr(8, end - 8);
            return;
        }
        case IPPROTO_ICMP:
        case IPPROTO_ICMPV6:
            if (l4.size() < 4) return;
            info.icmp_type = wire::u8(l4, 0);
            info.icmp_code = wire::u8(l4, 1);
            if (l4.size() >= 8) info.payload = l4.substr(8);
            return;
        default:
            info.payload = l4;
    }
}

/// The transport bytes from `start` to the packet's end, as far as they were captured.
std::string_view l4_bytes(std::string_view bytes, size_t start, size_t end) {
    end = std::min(end, bytes.size());
    return start <= end ? bytes.substr(start, end - start) : std::string_view{};
}

std::optional<PacketInfo> decode_ipv4(std::string_view bytes) {
    if (bytes.size() < k_ipv4_min_header || wire::u8(bytes, 0) >> 4 != 4) return std::nullopt;
    const size_t header = static_cast<size_t>(wire::u8(bytes, 0) & 0x0f) * 4;
    if (header < k_ipv4_min_header || header > bytes.size()) return std::nullopt;
    PacketInfo info;
    info.family = AF_INET;
    info.protocol = wire::u8(bytes, 9);
    info.src = wire::address_text(AF_INET, bytes.substr(12, 4));
    info.dst = wire::address_text(AF_INET, bytes.substr(16, 4));
    info.ip_total_length = wire::be16(bytes, 2);
    // A total length of 0 is what a GSO packet above 64 KiB carries: the bytes end it.
    size_t end = bytes.size();
    if (info.ip_total_length >= header) end = info.ip_total_length;
    info.truncated = bytes.size() < info.ip_total_length;
    const uint16_t flags_offset = wire::be16(bytes, 6);
    const bool more_fragments = (flags_offset & 0x2000) != 0;
    const uint16_t fragment_offset = flags_offset & 0x1fff;
    info.fragment = more_fragments || fragment_offset != 0;
    const std::string_view l4 = l4_bytes(bytes, header, end);
    if (fragment_offset != 0) {
        info.payload = l4;
        return info;
    }
    decode_transport(l4, info);
    return info;
}

std::optional<PacketInfo> decode_ipv6(std::string_view bytes) {
    if (bytes.size() < k_ipv6_header || wire::u8(bytes, 0) >> 4 != 6) return std::nullopt;
    PacketInfo info;
    info.family = AF_INET6;
    info.src = wire::address_text(AF_INET6, bytes.substr(8, 16));
    info.dst = wire::address_text(AF_INET6, bytes.substr(24, 16));
    const uint32_t payload_length = wire::be16(bytes, 4);
    // Payload length 0: a jumbogram or a GSO packet above 64 KiB; the bytes end it.
    size_t end = bytes.size();
    if (payload_length != 0) {
        info.ip_total_length = k_ipv6_header + payload_length;
        end = info.ip_total_length;
        info.truncated = bytes.size() < info.ip_total_length;
    }
    uint8_t next = wire::u8(bytes, 6);
    size_t at = k_ipv6_header;
    for (int walked = 0;; ++walked) {
        const std::string_view rest = l4_bytes(bytes, at, end);
        const bool extension = next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
                               next == IPPROTO_DSTOPTS || next == IPPROTO_FRAGMENT ||
                               next == IPPROTO_AH;
        if (!extension) {
            info.protocol = next;
            decode_transport(rest, info);
            return info;
        }
        // A chain too long or cut short: the protocol is the header we could not pass.
        if (walked == k_max_ipv6_extensions || rest.size() < 8) {
            info.protocol = next;
            return info;
        }
        size_t length = 0;
        if (next == IPPROTO_FRAGMENT) {
            length = 8;
            const uint16_t offset_flags = wire::be16(rest, 2);
            info.fragment = true;
            if ((offset_flags >> 3) != 0) {  // a later fragment: no transport header in it
                info.protocol = wire::u8(rest, 0);
                info.payload = rest.substr(8);
                return info;
            }
        } else if (next == IPPROTO_AH) {
            length = (static_cast<size_t>(wire::u8(rest, 1)) + 2) * 4;
        } else {
            length = (static_cast<size_t>(wire::u8(rest, 1)) + 1) * 8;
        }
        next = wire::u8(rest, 0);
        at += length;
    }
}

}  // namespace

std::optional<PacketInfo> decode_network_packet(uint16_t ethertype, std::string_view bytes) {
    if (ethertype == k_ethertype_ipv4) return decode_ipv4(bytes);
    if (ethertype == k_ethertype_ipv6) return decode_ipv6(bytes);
    return std::nullopt;
}

}  // namespace irsnap::capture
