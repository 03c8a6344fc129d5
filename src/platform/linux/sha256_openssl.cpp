// SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL EVP. OpenSSL is initialised with NO_LOAD_CONFIG first: by default it
// reads openssl.cnf or $OPENSSL_CONF and may dlopen a provider named there, i.e. run a
// compromised host's code inside the collector.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
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

FileHash hash_fd(int fd, uint64_t size, uint64_t max_bytes, const std::atomic<bool>* cancel) {
    FileHash result;
    if (max_bytes && size > max_bytes) {
        result.note = "skipped: larger than --max-hash-bytes";
        return result;
    }
    // Tell the kernel we read sequentially once; it keeps the page cache of the host smaller.
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    Sha256 h;
    // One buffer per thread, never zero-filled, sized to the file: a host can hold thousands
    // of empty or tiny deleted files and memfds, and a fresh zeroed 256 KiB buffer for each
    // cost more than hashing them. Reads still loop to EOF, so a growing file is hashed whole.
    constexpr size_t k_max_chunk = size_t{1} << 18;
    thread_local std::unique_ptr<char[]> buffer;
    thread_local size_t capacity = 0;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(k_max_chunk, size + 4096));
    if (capacity < want) {
        buffer.reset(new char[want]);
        capacity = want;
    }
    const std::span<char> buf(buffer.get(), capacity);
    uint64_t total = 0;
    while (true) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            result.note = "interrupted";
            return result;
        }
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(total));
        if (n < 0) {
            if (errno == EINTR) continue;
            result.error_code = errno;
            result.note = std::string("read failed: ") + std::strerror(errno);
            return result;
        }
        if (n == 0) break;
        h.update(buf.data(), static_cast<size_t>(n));
        total += static_cast<uint64_t>(n);
        // The file may grow while we read; the size limit holds for what we actually hash.
        if (max_bytes && total > max_bytes) {
            result.note = "skipped: larger than --max-hash-bytes";
            return result;
        }
    }
    result.sha256 = h.finish_hex();
    return result;
}

}  // namespace irsnap
