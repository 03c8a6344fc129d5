// SPDX-License-Identifier: Apache-2.0
// age's key encodings: Bech32 (BIP 173) with the human-readable parts "age" (recipients, lower
// case) and "AGE-SECRET-KEY-" (identities, upper case), without BIP 173's 90-character limit, as
// age itself does. Bech32 is an encoding with a checksum, not cryptography.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "age_crypto.hpp"
#include "irsnap/age.hpp"
#include "irsnap/os_random.hpp"

namespace irsnap::age {
namespace {

constexpr std::string_view k_charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::string_view k_recipient_hrp = "age";
constexpr std::string_view k_identity_hrp = "age-secret-key-";

uint32_t polymod(const std::vector<uint8_t>& values) {
    constexpr std::array<uint32_t, 5> gen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                             0x2a1462b3};
    uint32_t chk = 1;
    for (uint8_t v : values) {
        const uint32_t top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (size_t i = 0; i < gen.size(); ++i) {
            if ((top >> i) & 1) chk ^= gen[i];
        }
    }
    return chk;
}

std::vector<uint8_t> hrp_expand(std::string_view hrp) {
    std::vector<uint8_t> out;
    for (char c : hrp) out.push_back(static_cast<uint8_t>(static_cast<unsigned char>(c) >> 5));
    out.push_back(0);
    for (char c : hrp) out.push_back(static_cast<uint8_t>(static_cast<unsigned char>(c) & 31));
    return out;
}

std::string bech32_encode(std::string_view hrp, const Key32& data) {
    std::vector<uint8_t> five;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t b : data) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            five.push_back(static_cast<uint8_t>((acc >> bits) & 31));
        }
    }
    if (bits > 0) five.push_back(static_cast<uint8_t>((acc << (5 - bits)) & 31));
    std::vector<uint8_t> values = hrp_expand(hrp);
    values.insert(values.end(), five.begin(), five.end());
    values.insert(values.end(), 6, 0);
    const uint32_t mod = polymod(values) ^ 1;
    std::string out(hrp);
    out += '1';
    for (uint8_t v : five) out += k_charset[v];
    for (int i = 0; i < 6; ++i) out += k_charset[(mod >> (5 * (5 - i))) & 31];
    return out;
}

/// Decodes `text` whose human-readable part must be `hrp` (lower case); the payload must be 32
/// bytes. Mixed case is refused, as BIP 173 requires.
std::optional<Key32> bech32_decode(std::string_view text, std::string_view hrp,
                                   std::string& error) {
    bool lower = false;
    bool upper = false;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126) {
            error = "contains a character that is not printable ASCII";
            return std::nullopt;
        }
        lower |= std::islower(u) != 0;
        upper |= std::isupper(u) != 0;
    }
    if (lower && upper) {
        error = "mixes upper and lower case";
        return std::nullopt;
    }
    std::string folded(text);
    for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t sep = folded.rfind('1');
    if (sep == std::string::npos || folded.substr(0, sep) != hrp) {
        error = "does not start with '" + std::string(hrp) + "1'";
        return std::nullopt;
    }
    std::vector<uint8_t> five;
    for (size_t i = sep + 1; i < folded.size(); ++i) {
        const size_t v = k_charset.find(folded[i]);
        if (v == std::string_view::npos) {
            error = "has a character Bech32 does not use";
            return std::nullopt;
        }
        five.push_back(static_cast<uint8_t>(v));
    }
    if (five.size() < 6) {
        error = "is too short";
        return std::nullopt;
    }
    std::vector<uint8_t> values = hrp_expand(hrp);
    values.insert(values.end(), five.begin(), five.end());
    if (polymod(values) != 1) {
        error = "has a wrong checksum (a typing error?)";
        return std::nullopt;
    }
    five.resize(five.size() - 6);
    std::vector<uint8_t> bytes;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t v : five) {
        acc = (acc << 5) | v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
        }
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0 || bytes.size() != 32) {
        error = "does not hold a 32-byte key";
        return std::nullopt;
    }
    Key32 key{};
    std::copy(bytes.begin(), bytes.end(), key.begin());
    return key;
}

std::string_view trim(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
        line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    return line;
}

/// The keys of a key file: one a line, blank lines and `#` comments skipped, the first line
/// `parse` refuses named in `error`; a file without keys is an error too (`none`).
template <typename Key>
std::vector<Key> parse_key_lines(std::string_view text, std::string& error,
                                 std::optional<Key> (*parse)(std::string_view, std::string&),
                                 const char* none) {
    std::vector<Key> out;
    size_t number = 0;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++number;
        if (line.empty() || line.front() == '#') continue;
        std::string why;
        auto key = parse(line, why);
        if (!key) {
            error = "line " + std::to_string(number) + ": " + why;
            return {};
        }
        out.push_back(*key);
    }
    if (out.empty()) error = none;
    return out;
}

}  // namespace

std::string Recipient::text() const {
    return bech32_encode(k_recipient_hrp, public_key);
}

std::string Recipient::short_text() const {
    const std::string full = text();
    return full.substr(0, 8) + "..." + full.substr(full.size() - 8);
}

std::string Identity::text() const {
    std::string out = bech32_encode(k_identity_hrp, secret);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

Recipient Identity::recipient() const {
    return Recipient{crypto::x25519_public(secret)};
}

std::optional<Recipient> parse_recipient(std::string_view text, std::string& error) {
    std::string why;
    auto key = bech32_decode(text, k_recipient_hrp, why);
    if (!key) {
        error = "not an age X25519 recipient (age1...): it " + why;
        return std::nullopt;
    }
    // Bech32 accepts upper case; age keys are written in lower case only.
    if (text.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
        error = "not an age X25519 recipient: age1 keys are lower case";
        return std::nullopt;
    }
    return Recipient{*key};
}

std::optional<Identity> parse_identity(std::string_view text, std::string& error) {
    std::string why;
    auto key = bech32_decode(text, k_identity_hrp, why);
    if (!key) {
        error = "not an age X25519 identity (AGE-SECRET-KEY-1...): it " + why;
        return std::nullopt;
    }
    if (text.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string_view::npos) {
        error = "not an age X25519 identity: AGE-SECRET-KEY-1 keys are upper case";
        return std::nullopt;
    }
    return Identity{*key};
}

std::vector<Recipient> parse_recipients_file(std::string_view text, std::string& error) {
    return parse_key_lines<Recipient>(text, error, parse_recipient, "holds no age1... key");
}

std::vector<Identity> parse_identity_file(std::string_view text, std::string& error) {
    return parse_key_lines<Identity>(text, error, parse_identity,
                                     "holds no AGE-SECRET-KEY-1... line");
}

Identity generate_identity() {
    Identity id;
    os_random(id.secret.data(), id.secret.size());
    return id;
}

std::string identity_file_text(const Identity& identity, std::string_view created_rfc3339) {
    return "# created: " + std::string(created_rfc3339) +
           "\n# public key: " + identity.recipient().text() + "\n" + identity.text() + "\n";
}

}  // namespace irsnap::age
