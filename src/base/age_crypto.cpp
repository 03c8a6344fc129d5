// SPDX-License-Identifier: Apache-2.0
#include "age_crypto.hpp"

#include "openssl_init.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace irsnap::age::crypto {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::optional<Key32> x25519(const Key32& scalar, const Key32& point) {
    init_openssl();
    Pkey mine(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), 32));
    Pkey peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, point.data(), 32));
    if (!mine || !peer) return std::nullopt;
    PkeyCtx ctx(EVP_PKEY_CTX_new(mine.get(), nullptr));
    Key32 out{};
    size_t len = out.size();
    // OpenSSL refuses an all-zero shared secret (a low-order point) in derive; checked again
    // below so the rule does not depend on the library version.
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
        EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
        EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
        return std::nullopt;
    }
    const Key32 zero{};
    if (CRYPTO_memcmp(out.data(), zero.data(), out.size()) == 0) return std::nullopt;
    return out;
}

Key32 x25519_public(const Key32& scalar) {
    init_openssl();
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), 32));
    Key32 out{};
    size_t len = out.size();
    if (!key || EVP_PKEY_get_raw_public_key(key.get(), out.data(), &len) != 1 || len != 32) {
        throw std::runtime_error("X25519 public key derivation failed");
    }
    return out;
}

Key32 hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info) {
    init_openssl();
    std::unique_ptr<EVP_KDF, void (*)(EVP_KDF*)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr),
                                                     EVP_KDF_free);
    if (!kdf) throw std::runtime_error("HKDF is not available");
    std::unique_ptr<EVP_KDF_CTX, void (*)(EVP_KDF_CTX*)> ctx(EVP_KDF_CTX_new(kdf.get()),
                                                             EVP_KDF_CTX_free);
    char digest[] = "SHA256";
    // OSSL_PARAM takes non-const pointers; the library only reads these.
    std::string ikm_copy(ikm);
    std::string salt_copy(salt);
    std::string info_copy(info);
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm_copy.data(), ikm_copy.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_copy.data(), salt_copy.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_copy.data(), info_copy.size()),
        OSSL_PARAM_construct_end()};
    Key32 out{};
    if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
        throw std::runtime_error("HKDF-SHA-256 failed");
    }
    return out;
}

Key32 hmac_sha256(const Key32& key, std::string_view data) {
    init_openssl();
    Key32 out{};
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(),
              out.data(), &len) ||
        len != out.size()) {
        throw std::runtime_error("HMAC-SHA-256 failed");
    }
    return out;
}

bool equal_ct(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct ChaChaPoly::Impl {
    EVP_CIPHER_CTX* enc = nullptr;
    EVP_CIPHER_CTX* dec = nullptr;
};

ChaChaPoly::ChaChaPoly(const Key32& key) : m_impl(new Impl) {
    init_openssl();
    m_impl->enc = EVP_CIPHER_CTX_new();
    m_impl->dec = EVP_CIPHER_CTX_new();
    if (!m_impl->enc || !m_impl->dec ||
        EVP_EncryptInit_ex(m_impl->enc, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr) !=
            1 ||
        EVP_DecryptInit_ex(m_impl->dec, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr) !=
            1) {
        EVP_CIPHER_CTX_free(m_impl->enc);
        EVP_CIPHER_CTX_free(m_impl->dec);
        delete m_impl;
        throw std::runtime_error("ChaCha20-Poly1305 initialisation failed");
    }
}

ChaChaPoly::~ChaChaPoly() {
    EVP_CIPHER_CTX_free(m_impl->enc);
    EVP_CIPHER_CTX_free(m_impl->dec);
    delete m_impl;
}

void ChaChaPoly::seal(const uint8_t nonce[12], std::string_view plaintext, std::string& out) {
    out.resize(plaintext.size() + k_tag_bytes);
    auto* dst = reinterpret_cast<unsigned char*>(out.data());
    int len = 0;
    int tail = 0;
    EVP_CIPHER_CTX* c = m_impl->enc;
    if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce) != 1 ||
        EVP_EncryptUpdate(c, dst, &len, bytes(plaintext), static_cast<int>(plaintext.size())) !=
            1 ||
        EVP_EncryptFinal_ex(c, dst + len, &tail) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(k_tag_bytes),
                            dst + plaintext.size()) != 1) {
        throw std::runtime_error("ChaCha20-Poly1305 encryption failed");
    }
}

bool ChaChaPoly::open(const uint8_t nonce[12], std::string_view sealed, std::string& out) {
    out.clear();
    if (sealed.size() < k_tag_bytes) return false;
    const size_t n = sealed.size() - k_tag_bytes;
    out.resize(n);
    auto* dst = reinterpret_cast<unsigned char*>(out.data());
    int len = 0;
    int tail = 0;
    EVP_CIPHER_CTX* c = m_impl->dec;
    // The tag is a const input; OpenSSL's ctrl takes void*.
    unsigned char tag[k_tag_bytes];
    std::copy_n(bytes(sealed) + n, k_tag_bytes, tag);
    const bool ok =
        EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce) == 1 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(k_tag_bytes), tag) == 1 &&
        EVP_DecryptUpdate(c, dst, &len, bytes(sealed), static_cast<int>(n)) == 1 &&
        EVP_DecryptFinal_ex(c, dst + len, &tail) == 1;
    if (!ok) {
        // Never hand on unauthenticated plaintext, not even to a caller that ignores `false`.
        OPENSSL_cleanse(out.data(), out.size());
        out.clear();
    }
    return ok;
}

}  // namespace irsnap::age::crypto
