// SPDX-License-Identifier: Apache-2.0
// The age header's text: stanzas and MAC line, strictly as the spec writes them, and age's
// unpadded base64. A lenient parser would let two readers see two different headers.
#include <string>
#include <vector>

#include "irsnap/age.hpp"

namespace irsnap::age {
namespace {

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr size_t k_columns = 64;

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/// An argument of a stanza: one or more visible ASCII characters.
bool is_vchar_string(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return false;
    }
    return true;
}

std::vector<std::string> split_args(std::string_view s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        const size_t sp = s.find(' ', start);
        out.emplace_back(s.substr(start, sp == std::string_view::npos ? sp : sp - start));
        if (sp == std::string_view::npos) break;
        start = sp + 1;
    }
    return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    size_t i = 0;
    auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        for (int s = 18; s >= 0; s -= 6) out += k_alphabet[(v >> s) & 63];
    }
    if (bytes.size() - i == 1) {
        const uint32_t v = at(i) << 16;
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
    } else if (bytes.size() - i == 2) {
        const uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += k_alphabet[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = b64_value(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    // Canonical: the bits left over after the last whole byte must be zero, so every byte
    // string has exactly one encoding.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::optional<Header> parse_header(std::string_view text, std::string& error) {
    Header header;
    size_t pos = 0;
    auto next_line = [&](std::string_view& line) {
        const size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) return false;
        line = text.substr(pos, nl - pos);
        pos = nl + 1;
        return true;
    };
    std::string_view line;
    if (!next_line(line) || line != k_magic.substr(0, k_magic.size() - 1)) {
        error = "the first line is not 'age-encryption.org/v1'";
        return std::nullopt;
    }
    while (true) {
        const size_t line_start = pos;
        if (!next_line(line)) {
            error = "the header ends without its '---' MAC line";
            return std::nullopt;
        }
        if (line.substr(0, 3) == "---") {
            if (line.size() < 4 || line[3] != ' ') {
                error = "the MAC line is malformed";
                return std::nullopt;
            }
            auto mac = base64_decode(line.substr(4));
            if (!mac || mac->size() != 32) {
                error = "the header MAC is not 32 bytes of canonical base64";
                return std::nullopt;
            }
            if (header.stanzas.empty()) {
                error = "the header has no recipient stanza";
                return std::nullopt;
            }
            header.mac = std::move(*mac);
            header.mac_input = line_start + 3;
            header.length = pos;
            return header;
        }
        if (line.substr(0, 3) != "-> ") {
            error = "a header line is neither a stanza ('-> ') nor the MAC line ('--- ')";
            return std::nullopt;
        }
        Stanza stanza;
        stanza.args = split_args(line.substr(3));
        for (const auto& arg : stanza.args) {
            if (!is_vchar_string(arg)) {
                error = "a stanza argument is empty or not printable ASCII";
                return std::nullopt;
            }
        }
        std::string body_text;
        while (true) {
            if (!next_line(line)) {
                error = "the header ends inside a stanza body";
                return std::nullopt;
            }
            if (line.size() > k_columns) {
                error = "a stanza body line is longer than 64 columns";
                return std::nullopt;
            }
            body_text += line;
            if (line.size() < k_columns) break;  // the short (possibly empty) last line
        }
        auto body = base64_decode(body_text);
        if (!body) {
            error = "a stanza body is not canonical unpadded base64";
            return std::nullopt;
        }
        stanza.body = std::move(*body);
        header.stanzas.push_back(std::move(stanza));
    }
}

}  // namespace irsnap::age
