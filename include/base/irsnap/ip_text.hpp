// SPDX-License-Identifier: Apache-2.0
// IP addresses as text without the C library's resolver functions: the Windows collectors get
// raw bytes from IP Helper tables, and the hosts-file parser must judge an address the same way
// on both platforms. Output and acceptance match glibc's inet_ntop / inet_pton (tested against
// them on Linux), so one address reads the same in a Linux and a Windows bundle.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace irsnap::ip {

/// Dotted quad of 4 bytes in network order, e.g. 127.0.0.1.
std::string format_ipv4(const uint8_t* bytes);

/// RFC 5952 text of 16 bytes in network order: lowercase, the longest run of two or more zero
/// groups as "::" (the first when tied), and ::ffff:a.b.c.d / ::a.b.c.d as glibc prints them.
std::string format_ipv6(const uint8_t* bytes);

/// Parses like inet_pton(AF_INET): exactly four decimal parts 0-255, no leading zeros.
std::optional<std::array<uint8_t, 4>> parse_ipv4(std::string_view text);

/// Parses like inet_pton(AF_INET6): hex groups of at most four digits, one "::", an optional
/// dotted quad in the last 32 bits; no zone id ("%eth0").
std::optional<std::array<uint8_t, 16>> parse_ipv6(std::string_view text);

/// True when `text` is an IPv4 or IPv6 address as inet_pton accepts it.
inline bool is_ip_literal(std::string_view text) {
    return parse_ipv4(text).has_value() || parse_ipv6(text).has_value();
}

}  // namespace irsnap::ip
