// SPDX-License-Identifier: Apache-2.0
// The four primitives age needs, from OpenSSL's libcrypto (the same library on Linux and, built
// from Debian's source package with mingw-w64, on Windows), so both builds seal identically.
// Nothing here is a home-made primitive: each function is one library call and its checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "irsnap/age.hpp"

namespace irsnap::age::crypto {

/// X25519(scalar, point); nullopt when the result is all zeros (a low-order point) or the
/// library refuses.
std::optional<Key32> x25519(const Key32& scalar, const Key32& point);
/// The public key of `scalar` (X25519 with the base point).
Key32 x25519_public(const Key32& scalar);

/// HKDF-SHA-256 (RFC 5869), 32 bytes of output.
Key32 hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info);
/// HMAC-SHA-256.
Key32 hmac_sha256(const Key32& key, std::string_view data);
/// Constant-time equality of two equally long byte strings.
bool equal_ct(std::string_view a, std::string_view b);

/// ChaCha20-Poly1305 (RFC 8439) with one key and many 12-byte nonces: the context is set up
/// once, so a chunk costs only the cipher.
class ChaChaPoly {
  public:
    explicit ChaChaPoly(const Key32& key);
    ~ChaChaPoly();
    ChaChaPoly(const ChaChaPoly&) = delete;
    ChaChaPoly& operator=(const ChaChaPoly&) = delete;
    /// `out` receives ciphertext then the 16-byte tag (out is resized).
    void seal(const uint8_t nonce[12], std::string_view plaintext, std::string& out);
    /// False when the tag does not verify; `out` is then empty.
    bool open(const uint8_t nonce[12], std::string_view sealed, std::string& out);

  private:
    struct Impl;
    Impl* m_impl;
};

}  // namespace irsnap::age::crypto
