// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace irsnap {

/// Incremental SHA-256. Linux: OpenSSL EVP (initialised without reading openssl.cnf);
/// Windows: BCrypt. Not thread-safe; one instance per stream.
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    void update(std::string_view text) { update(text.data(), text.size()); }
    /// Lower-case hex digest; the object must not be updated afterwards.
    std::string finish_hex();

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Initialise the crypto library safely: never load host configuration or provider modules.
/// Must be called before any other crypto use; safe to call more than once.
void init_crypto();

std::string sha256_hex(std::string_view data);

/// Outcome of hashing one file.
struct FileHash {
    std::optional<std::string> sha256;  ///< set when hashed completely
    std::string note;                   ///< why not: "skipped: larger than --max-hash-bytes", error
    int error_code = 0;                 ///< errno when reading failed
};

}  // namespace irsnap
