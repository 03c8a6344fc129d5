// SPDX-License-Identifier: Apache-2.0
// SHA-256 through the system's BCrypt (bcrypt.dll): no crypto library of our own to configure,
// and nothing on the host (no configuration file, no environment variable) steers it.
#include <windows.h>  // first: the Windows headers below need its types

#include <bcrypt.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "irsnap/hash.hpp"
#include "irsnap/text.hpp"

namespace irsnap {
namespace {

BCRYPT_ALG_HANDLE g_algorithm = nullptr;

}  // namespace

void init_crypto() {
    static std::once_flag once;
    std::call_once(once, [] {
        // One provider handle for the run: opening it is the costly part (BCrypt's own advice).
        NTSTATUS status =
            BCryptOpenAlgorithmProvider(&g_algorithm, BCRYPT_SHA256_ALGORITHM, nullptr, 0);
        if (status < 0) {
            throw std::runtime_error(
                fmt::format("BCryptOpenAlgorithmProvider(SHA256) failed: NTSTATUS 0x{:08x}",
                            static_cast<unsigned long>(status)));
        }
    });
}

struct Sha256::Impl {
    BCRYPT_HASH_HANDLE hash = nullptr;
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
    init_crypto();
    // Object memory allocated by BCrypt itself (Windows 7+ accepts nullptr, 0).
    if (BCryptCreateHash(g_algorithm, &m_impl->hash, nullptr, 0, nullptr, 0, 0) < 0) {
        throw std::runtime_error("SHA-256 initialisation failed (BCryptCreateHash)");
    }
}

Sha256::~Sha256() {
    if (m_impl->hash) BCryptDestroyHash(m_impl->hash);
}

void Sha256::update(const void* data, size_t size) {
    auto bytes = static_cast<const unsigned char*>(data);
    while (size > 0) {
        const ULONG chunk = static_cast<ULONG>(std::min<size_t>(size, 1u << 30));
        if (BCryptHashData(m_impl->hash, const_cast<PUCHAR>(bytes), chunk, 0) < 0) {
            throw std::runtime_error("SHA-256 update failed (BCryptHashData)");
        }
        bytes += chunk;
        size -= chunk;
    }
}

std::string Sha256::finish_hex() {
    unsigned char digest[32];
    if (BCryptFinishHash(m_impl->hash, digest, sizeof digest, 0) < 0) {
        throw std::runtime_error("SHA-256 final failed (BCryptFinishHash)");
    }
    return to_hex(digest, sizeof digest);
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.finish_hex();
}

// Windows has no package database to compare with (docs/package-trust.md): nothing asks.
struct PackageDigests::Impl {};

PackageDigests::PackageDigests(unsigned mask) : m_mask(mask) {
    if (mask != 0) throw std::logic_error("package digests are computed on Linux only");
}

PackageDigests::~PackageDigests() = default;

void PackageDigests::update(const void* data, size_t size) {
    (void)data;
    (void)size;
}

void PackageDigests::finish_hex(std::string& md5, std::string& sha1) {
    md5.clear();
    sha1.clear();
}

}  // namespace irsnap
