// SPDX-License-Identifier: Apache-2.0
#include "irsnap/ip_text.hpp"

#include <fmt/format.h>

namespace irsnap::ip {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string format_ipv4(const uint8_t* b) {
    return fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
}

std::string format_ipv6(const uint8_t* b) {
    uint16_t words[8];
    for (int i = 0; i < 8; ++i) words[i] = static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
    // The longest run of zero words, first one on a tie; a single zero word stays "0".
    int best_base = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (words[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && words[j] == 0) ++j;
        if (j - i > best_len) best_base = i, best_len = j - i;
        i = j;
    }
    if (best_len < 2) best_base = -1;
    std::string out;
    for (int i = 0; i < 8; ++i) {
        if (best_base >= 0 && i >= best_base && i < best_base + best_len) {
            if (i == best_base) out += ':';
            continue;
        }
        if (i != 0) out += ':';
        // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) forms, as glibc prints.
        if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
            out += format_ipv4(b + 12);
            return out;
        }
        out += fmt::format("{:x}", words[i]);
    }
    if (best_base >= 0 && best_base + best_len == 8) out += ':';
    return out;
}

std::optional<std::array<uint8_t, 4>> parse_ipv4(std::string_view text) {
    std::array<uint8_t, 4> out{};
    size_t part = 0, i = 0;
    while (true) {
        if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
        unsigned value = 0;
        const size_t begin = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (i > begin && text[begin] == '0') return std::nullopt;  // leading zero
            value = value * 10 + static_cast<unsigned>(text[i] - '0');
            if (value > 255) return std::nullopt;
            ++i;
        }
        out[part++] = static_cast<uint8_t>(value);
        if (part == 4) return i == text.size() ? std::optional(out) : std::nullopt;
        if (i >= text.size() || text[i] != '.') return std::nullopt;
        ++i;
    }
}

std::optional<std::array<uint8_t, 16>> parse_ipv6(std::string_view text) {
    std::array<uint8_t, 16> out{};
    size_t tp = 0;              // next byte to fill
    std::optional<size_t> gap;  // where "::" stands
    size_t i = 0;
    if (text.size() >= 1 && text[0] == ':') {
        if (text.size() < 2 || text[1] != ':') return std::nullopt;
        i = 1;  // the second ':' is read below as the gap
    }
    size_t group_start = i;
    unsigned value = 0;
    int digits = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (const int h = hex_value(c); h >= 0) {
            if (++digits > 4) return std::nullopt;
            value = value << 4 | static_cast<unsigned>(h);
            continue;
        }
        if (c == ':') {
            if (digits == 0) {
                if (gap) return std::nullopt;
                gap = tp;
                group_start = i + 1;
                continue;
            }
            if (i + 1 == text.size() || tp + 2 > 16) return std::nullopt;
            out[tp++] = static_cast<uint8_t>(value >> 8);
            out[tp++] = static_cast<uint8_t>(value);
            value = 0;
            digits = 0;
            group_start = i + 1;
            continue;
        }
        if (c == '.' && tp + 4 <= 16) {
            auto v4 = parse_ipv4(text.substr(group_start));
            if (!v4) return std::nullopt;
            for (uint8_t byte : *v4) out[tp++] = byte;
            digits = 0;
            i = text.size();
            break;
        }
        return std::nullopt;
    }
    if (digits > 0) {
        if (tp + 2 > 16) return std::nullopt;
        out[tp++] = static_cast<uint8_t>(value >> 8);
        out[tp++] = static_cast<uint8_t>(value);
    }
    if (gap) {
        if (tp == 16) return std::nullopt;
        const size_t moved = tp - *gap;
        for (size_t k = 0; k < moved; ++k) {
            out[15 - k] = out[tp - 1 - k];
            out[tp - 1 - k] = 0;
        }
        tp = 16;
    }
    if (tp != 16) return std::nullopt;
    return out;
}

}  // namespace irsnap::ip
