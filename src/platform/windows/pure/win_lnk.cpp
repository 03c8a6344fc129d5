// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_lnk.hpp"

#include <cstdint>

#include "irsnap/windows/win_reg_value.hpp"

namespace irsnap::autoruns_win {
namespace {

constexpr uint32_t k_has_id_list = 0x01, k_has_link_info = 0x02, k_has_name = 0x04,
                   k_has_relative_path = 0x08, k_has_working_dir = 0x10, k_has_arguments = 0x20,
                   k_has_icon = 0x40, k_is_unicode = 0x80;
constexpr uint32_t k_env_block_signature = 0xA0000001;
// The shell link CLSID {00021401-0000-0000-C000-000000000046} as stored.
constexpr std::string_view k_clsid{
    "\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 16};

uint32_t read_le(std::string_view b, size_t at, size_t n) {
    if (at > b.size() || b.size() - at < n) return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint32_t{static_cast<unsigned char>(b[at + i])} << (8 * i);
    return v;
}

/// NUL-terminated code-page string at `at` (Latin-1 for bytes >= 0x80).
std::string ansi_at(std::string_view b, size_t at) {
    std::string out;
    for (size_t i = at; i < b.size() && b[i] != '\0'; ++i) {
        append_utf8(out, static_cast<unsigned char>(b[i]));
    }
    return out;
}

/// NUL-terminated UTF-16LE string at `at`, within `b`.
std::string unicode_at(std::string_view b, size_t at) {
    size_t end = at;
    while (end + 1 < b.size() && (b[end] != '\0' || b[end + 1] != '\0')) end += 2;
    return at < b.size() ? utf16_to_utf8(b.substr(at, end - at)) : std::string();
}

void read_link_info(std::string_view info, ShellLink& link) {
    const uint32_t header = read_le(info, 4, 4);
    const uint32_t flags = read_le(info, 8, 4);
    if (!(flags & 1)) return;  // no VolumeID and LocalBasePath: a network-only link
    const uint32_t base = read_le(info, 16, 4), suffix = read_le(info, 24, 4);
    if (header >= 0x24) {
        const uint32_t base_w = read_le(info, 28, 4), suffix_w = read_le(info, 32, 4);
        if (base_w && base_w < info.size()) {
            link.target = unicode_at(info, base_w);
            if (suffix_w && suffix_w < info.size()) link.target += unicode_at(info, suffix_w);
            return;
        }
    }
    if (base && base < info.size()) {
        link.target = ansi_at(info, base);
        if (suffix && suffix < info.size()) link.target += ansi_at(info, suffix);
        link.target_is_ansi = true;
    }
}

}  // namespace

std::optional<ShellLink> parse_shell_link(std::string_view b) {
    if (b.size() < 0x4C || read_le(b, 0, 4) != 0x4C || b.substr(4, 16) != k_clsid) {
        return std::nullopt;
    }
    ShellLink link;
    const uint32_t flags = read_le(b, 0x14, 4);
    size_t at = 0x4C;
    auto truncated = [&](const char* where) {
        link.error = std::string("truncated in ") + where;
        return link;
    };
    if (flags & k_has_id_list) {
        if (b.size() - at < 2) return truncated("the item id list");
        at += 2 + read_le(b, at, 2);
        if (at > b.size()) return truncated("the item id list");
    }
    if (flags & k_has_link_info) {
        const uint32_t size = read_le(b, at, 4);
        if (size < 0x1C || b.size() - at < size) return truncated("the link info");
        read_link_info(b.substr(at, size), link);
        at += size;
    }
    const bool unicode = flags & k_is_unicode;
    for (uint32_t bit :
         {k_has_name, k_has_relative_path, k_has_working_dir, k_has_arguments, k_has_icon}) {
        if (!(flags & bit)) continue;
        if (b.size() - at < 2) return truncated("the string data");
        const size_t chars = read_le(b, at, 2);
        const size_t bytes = unicode ? chars * 2 : chars;
        at += 2;
        if (b.size() - at < bytes) return truncated("the string data");
        std::string text;
        if (unicode) {
            text = utf16_to_utf8(b.substr(at, bytes));
        } else {
            for (char c : b.substr(at, bytes)) append_utf8(text, static_cast<unsigned char>(c));
        }
        at += bytes;
        // Exactly one of the string fields per bit.
        std::string* field = bit == k_has_name            ? &link.name
                             : bit == k_has_relative_path ? &link.relative_path
                             : bit == k_has_working_dir   ? &link.working_dir
                             : bit == k_has_arguments     ? &link.arguments
                                                          : nullptr;
        if (field) *field = std::move(text);
    }
    // Extra data blocks: size, signature, body; a size below 4 ends the list.
    while (b.size() - at >= 8) {
        const uint32_t size = read_le(b, at, 4);
        if (size < 8 || b.size() - at < size) break;
        if (read_le(b, at + 4, 4) == k_env_block_signature && size >= 8 + 260 + 520) {
            link.env_target = unicode_at(b.substr(at + 8 + 260, 520), 0);
        }
        at += size;
    }
    return link;
}

}  // namespace irsnap::autoruns_win
