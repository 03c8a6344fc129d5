// SPDX-License-Identifier: Apache-2.0
// Fixed-width reads and writes of wire formats, shared by this folder's parsers and writers.
// Callers check the bounds first; these only assemble bytes (no alignment, no host order).
#pragma once

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace irsnap::capture::wire {

inline uint8_t u8(std::string_view b, size_t at) {
    return static_cast<uint8_t>(b[at]);
}
inline uint16_t be16(std::string_view b, size_t at) {
    return static_cast<uint16_t>(u8(b, at) << 8 | u8(b, at + 1));
}
inline uint32_t be32(std::string_view b, size_t at) {
    return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2);
}

inline void put_be16(std::string& out, uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xff));
}
inline void put_be32(std::string& out, uint32_t v) {
    put_be16(out, static_cast<uint16_t>(v >> 16));
    put_be16(out, static_cast<uint16_t>(v & 0xffff));
}
inline void put_le16(std::string& out, uint16_t v) {
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>(v >> 8));
}
inline void put_le32(std::string& out, uint32_t v) {
    put_le16(out, static_cast<uint16_t>(v & 0xffff));
    put_le16(out, static_cast<uint16_t>(v >> 16));
}

/// inet_ntop's text of the address at `raw` (4 or 16 bytes, by `family`); empty if it fails.
inline std::string address_text(int family, std::string_view raw) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(family, raw.data(), buf, sizeof buf)) return {};
    return buf;
}

}  // namespace irsnap::capture::wire
