// SPDX-License-Identifier: Apache-2.0
// The age header's text: stanzas and MAC line, strictly as the spec writes them, and age's
// unpadded base64. A lenient parser would let two readers see two different headers.
#include <string>
#include <vector>

#include "irsnap/age.hpp"
#include "irsnap/base64.hpp"

namespace irsnap::age {
namespace {

constexpr size_t k_columns = 64;

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
    return irsnap::base64_encode(bytes, false);
}

std::optional<std::string> base64_decode(std::string_view text) {
    return irsnap::base64_decode(text, {.padding_allowed = false, .canonical = true});
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
