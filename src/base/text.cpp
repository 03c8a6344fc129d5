// SPDX-License-Identifier: Apache-2.0
#include "irsnap/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace irsnap {
namespace {

/// Length of the valid UTF-8 sequence starting at `i`, or 0 if the byte there does not start one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

uint32_t decode_utf8(std::string_view s, size_t i, size_t len) {
    auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[k])); };
    if (len == 1) return byte(i);
    uint32_t cp = byte(i) & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (byte(i + k) & 0x3Fu);
    return cp;
}

/// Code points a terminal acts on although they are not C0 controls.
bool is_terminal_format_char(uint32_t cp) {
    return (cp >= 0x80 && cp <= 0x9F) ||      // C1 controls
           cp == 0x061C ||                    // Arabic letter mark
           cp == 0x200E || cp == 0x200F ||    // LRM, RLM
           cp == 0x2028 || cp == 0x2029 ||    // line and paragraph separators
           (cp >= 0x202A && cp <= 0x202E) ||  // embeddings and overrides
           (cp >= 0x2066 && cp <= 0x2069);    // isolates
}

void append_u_escape(std::string& out, uint32_t cp) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += k_hex[(cp >> shift) & 0xF];
}

void append_x_escape(std::string& out, unsigned char byte) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out += "\\x";
    out += k_hex[byte >> 4];
    out += k_hex[byte & 0xF];
}

}  // namespace

namespace {

/// The loop behind both terminal escapers. `all_controls`: C0, DEL and invalid bytes too (a
/// field of host text); without it only the characters JSON leaves raw (a serialised document,
/// whose ASCII is already JSON-escaped and whose invalid bytes were replaced).
std::string escape_for_terminal(std::string_view text, bool all_controls) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const size_t len = utf8_sequence_length(text, i);
        const auto byte = static_cast<unsigned char>(text[i]);
        if (len <= 1) {
            if (all_controls && (len == 0 || byte < 0x20 || byte == 0x7F)) {
                append_x_escape(out, byte);
            } else {
                out += text[i];
            }
            ++i;
            continue;
        }
        const uint32_t cp = decode_utf8(text, i, len);
        if (is_terminal_format_char(cp)) {
            append_u_escape(out, cp);
        } else {
            out.append(text.substr(i, len));
        }
        i += len;
    }
    return out;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
    return escape_for_terminal(text, true);
}

std::string json_terminal_safe(std::string_view json) {
    return escape_for_terminal(json, false);
}

bool is_valid_utf8(std::string_view bytes) {
    for (size_t i = 0; i < bytes.size();) {
        size_t len = utf8_sequence_length(bytes, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string escape_bytes(std::string_view bytes, bool& escaped) {
    escaped = !is_valid_utf8(bytes);
    if (!escaped) return std::string(bytes);
    return escape_bytes_always(bytes);
}

std::string escape_bytes_always(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() + 16);
    for (size_t i = 0; i < bytes.size();) {
        size_t len = utf8_sequence_length(bytes, i);
        if (len == 0) {
            auto c = static_cast<unsigned char>(bytes[i]);
            out += "\\x";
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 0xF]);
            ++i;
        } else if (bytes[i] == '\\') {
            out += "\\\\";
            ++i;
        } else {
            out.append(bytes.substr(i, len));
            i += len;
        }
    }
    return out;
}

std::string unescape_bytes(std::string_view text) {
    auto hex_value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\\') {
            out.push_back('\\');
            ++i;
        } else if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' &&
                   hex_value(text[i + 2]) >= 0 && hex_value(text[i + 3]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 2]) * 16 + hex_value(text[i + 3])));
            i += 3;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

void append_utf8(std::string& out, uint32_t cp) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::vector<std::string_view> split_fields(std::string_view line, std::string_view separators) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        i = line.find_first_not_of(separators, i);
        if (i == std::string_view::npos) break;
        size_t end = line.find_first_of(separators, i);
        if (end == std::string_view::npos) end = line.size();
        out.push_back(line.substr(i, end - i));
        i = end;
    }
    return out;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
}

std::string to_hex(const unsigned char* data, size_t size) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out(size * 2, '0');
    for (size_t i = 0; i < size; ++i) {
        out[2 * i] = k_hex[data[i] >> 4];
        out[2 * i + 1] = k_hex[data[i] & 0xF];
    }
    return out;
}

std::filesystem::path path_from_utf8(std::string_view text) {
    // The char8_t constructor means UTF-8 on every platform; on POSIX it keeps the bytes as they
    // are, valid UTF-8 or not.
    return std::filesystem::path(std::u8string(text.begin(), text.end()));
}

}  // namespace irsnap
