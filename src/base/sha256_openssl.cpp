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

namespace irsnap {

void init_crypto() {
    static std::once_flag once;
    std::call_once(once, [] {
        // NO_ATEXIT: a preparation step abandoned on its own thread (bounded.hpp) may still be
        // hashing when main returns; OpenSSL's atexit clean-up would free state under it.
        if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr) !=
            1) {
            throw std::runtime_error("OpenSSL initialisation failed");
        }
    });
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

}  // namespace irsnap
