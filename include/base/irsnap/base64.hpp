// SPDX-License-Identifier: Apache-2.0
// Standard base64 (RFC 4648 alphabet), one codec for every reader: age headers (unpadded,
// canonical), OpenSSH keys and fingerprints, apk checksums.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace irsnap {

/// `padded`: '=' up to a multiple of four characters (RFC 4648); unpadded as age and OpenSSH
/// fingerprints write it.
std::string base64_encode(std::string_view bytes, bool padded);

struct Base64Rules {
    bool padding_allowed = true;  ///< trailing '=' accepted (and ignored); else refused
    /// The bits after the last whole byte must be zero, so each byte string has exactly one
    /// encoding (age requires it: two texts must never give one header).
    bool canonical = false;
};
/// The bytes, or nullopt on a character outside the alphabet, a length no encoding has, or a
/// rule broken.
std::optional<std::string> base64_decode(std::string_view text, Base64Rules rules = {});

}  // namespace irsnap
