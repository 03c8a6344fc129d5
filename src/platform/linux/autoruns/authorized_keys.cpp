// SPDX-License-Identifier: Apache-2.0
#include <algorithm>

#include "irsnap/base64.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {
namespace {

constexpr std::string_view k_base64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// sshd recognises a line without options by its first word being a key type it knows; every
// type starts with one of these (ssh-rsa, ssh-ed25519, ecdsa-sha2-*, sk-*, *-cert-v01@...).
bool looks_like_key_type(std::string_view w) {
    return w.rfind("ssh-", 0) == 0 || w.rfind("ecdsa-", 0) == 0 || w.rfind("sk-", 0) == 0;
}

/// Options up to the first blank outside double quotes; false when a quote is left open.
bool parse_options(std::string_view& rest, AuthorizedKey& key) {
    std::string name, value;
    bool has_value = false, quoted = false;
    size_t i = 0;
    auto flush = [&]() {
        if (!name.empty()) {
            key.options.emplace_back(name,
                                     has_value ? std::optional<std::string>(value) : std::nullopt);
        }
        name.clear();
        value.clear();
        has_value = false;
    };
    for (; i < rest.size(); ++i) {
        char c = rest[i];
        if (quoted) {
            if (c == '\\' && i + 1 < rest.size() && rest[i + 1] == '"') {
                value += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                value += c;
            }
            continue;
        }
        if (detail::is_blank(c)) break;
        if (c == ',') {
            flush();
        } else if (c == '"' && has_value) {
            quoted = true;
        } else if (c == '=' && !has_value) {
            has_value = true;
        } else {
            (has_value ? value : name) += c;
        }
    }
    if (quoted) return false;
    flush();
    rest.remove_prefix(i);
    return true;
}

}  // namespace

AuthorizedKeys parse_authorized_keys(std::string_view text) {
    AuthorizedKeys out;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = detail::trim(raw);
        if (line.empty() || line.front() == '#') continue;
        AuthorizedKey key;
        key.line = number;
        key.text = line;
        std::string_view rest = line;
        std::string_view probe = rest;
        if (!looks_like_key_type(detail::next_word(probe)) && !parse_options(rest, key)) {
            ++out.malformed;
            continue;
        }
        key.key_type = detail::next_word(rest);
        key.key_base64 = detail::next_word(rest);
        key.comment = detail::trim(rest);
        const bool blob_ok =
            !key.key_base64.empty() &&
            key.key_base64.find_first_not_of(std::string(k_base64) + "=") == std::string::npos;
        if (!looks_like_key_type(key.key_type) || !blob_ok) {
            ++out.malformed;
            continue;
        }
        out.keys.push_back(std::move(key));
    }
    return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
    return base64_decode(text);
}

std::string ssh_key_fingerprint(std::string_view base64) {
    auto blob = decode_base64(base64);
    if (!blob || blob->empty()) return {};
    const std::string hex = sha256_hex(*blob);
    std::string digest;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        digest += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return "SHA256:" + base64_encode(digest, false);
}

}  // namespace irsnap::autoruns
