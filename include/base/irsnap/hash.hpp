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

/// The digests package databases record, computed beside SHA-256 in the same read of a file
/// (dpkg's .md5sums: MD5; apk's installed: SHA-1) so a package check never reads a file twice.
/// They only compare a file with what its package recorded; irsnap's own integrity is SHA-256.
enum PackageDigest : unsigned { k_package_md5 = 1u << 0, k_package_sha1 = 1u << 1 };

/// Incremental MD5 and/or SHA-1 (a mask of PackageDigest). Linux: OpenSSL EVP. Windows has
/// no package database: there the mask must be 0 (anything else throws std::logic_error).
class PackageDigests {
  public:
    explicit PackageDigests(unsigned mask);
    ~PackageDigests();
    PackageDigests(const PackageDigests&) = delete;
    PackageDigests& operator=(const PackageDigests&) = delete;

    unsigned mask() const { return m_mask; }
    void update(const void* data, size_t size);
    /// Lower-case hex digests; empty for an algorithm not in the mask. Call once.
    void finish_hex(std::string& md5, std::string& sha1);

  private:
    struct Impl;
    unsigned m_mask;
    std::unique_ptr<Impl> m_impl;
};

/// Outcome of hashing one file.
struct FileHash {
    std::optional<std::string> sha256;  ///< set when hashed completely
    std::string md5;                    ///< with sha256, when asked for (PackageDigest)
    std::string sha1;                   ///< with sha256, when asked for (PackageDigest)
    std::string note;                   ///< why not: "skipped: larger than --max-hash-bytes", error
    int error_code = 0;                 ///< errno when reading failed
};

}  // namespace irsnap
