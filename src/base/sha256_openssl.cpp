// SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL EVP. OpenSSL is initialised with NO_LOAD_CONFIG first: by default it
// reads openssl.cnf or $OPENSSL_CONF and may dlopen a provider named there, i.e. run a
// compromised host's code inside the collector.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "irsnap/hash.hpp"
#include "irsnap/text.hpp"
#include "openssl_init.hpp"

namespace irsnap {

void init_crypto() {
    init_openssl();
}

struct Sha256::Impl {
    EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
    init_crypto();
    m_impl->ctx = EVP_MD_CTX_new();
    if (!m_impl->ctx || EVP_DigestInit_ex(m_impl->ctx, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 initialisation failed");
    }
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(m_impl->ctx);
}

void Sha256::update(const void* data, size_t size) {
    if (size && EVP_DigestUpdate(m_impl->ctx, data, size) != 1) {
        throw std::runtime_error("SHA-256 update failed");
    }
}

std::string Sha256::finish_hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(m_impl->ctx, digest, &len) != 1) {
        throw std::runtime_error("SHA-256 final failed");
    }
    return to_hex(digest, len);
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.finish_hex();
}

struct PackageDigests::Impl {
    EVP_MD_CTX* md5 = nullptr;
    EVP_MD_CTX* sha1 = nullptr;
    ~Impl() {
        EVP_MD_CTX_free(md5);
        EVP_MD_CTX_free(sha1);
    }
};

namespace {

EVP_MD_CTX* start_digest(const EVP_MD* md) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, md, nullptr) != 1) {
        EVP_MD_CTX_free(ctx);
        throw std::runtime_error("package digest initialisation failed");
    }
    return ctx;
}

std::string finish_digest(EVP_MD_CTX* ctx) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx, digest, &len) != 1) {
        throw std::runtime_error("package digest final failed");
    }
    return to_hex(digest, len);
}

}  // namespace

PackageDigests::PackageDigests(unsigned mask) : m_mask(mask), m_impl(std::make_unique<Impl>()) {
    init_crypto();
    // OpenSSL 3's default provider still offers MD5 and SHA-1 for digests (not for signatures).
    if (mask & k_package_md5) m_impl->md5 = start_digest(EVP_md5());
    if (mask & k_package_sha1) m_impl->sha1 = start_digest(EVP_sha1());
}

PackageDigests::~PackageDigests() = default;

void PackageDigests::update(const void* data, size_t size) {
    if (size == 0) return;
    for (EVP_MD_CTX* ctx : {m_impl->md5, m_impl->sha1}) {
        if (ctx && EVP_DigestUpdate(ctx, data, size) != 1) {
            throw std::runtime_error("package digest update failed");
        }
    }
}

void PackageDigests::finish_hex(std::string& md5, std::string& sha1) {
    if (m_impl->md5) md5 = finish_digest(m_impl->md5);
    if (m_impl->sha1) sha1 = finish_digest(m_impl->sha1);
}

}  // namespace irsnap
