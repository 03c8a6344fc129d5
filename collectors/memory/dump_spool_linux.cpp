// SPDX-License-Identifier: Apache-2.0
// The dump spool on Linux: an unnamed file (O_TMPFILE) in the bundle's directory, written
// through AES-256-CTR (OpenSSL EVP; a key from RAND_bytes that only this process ever holds),
// so a stopped process waits for its memory to be read and ciphered at AES-NI speed, and no
// readable byte of it reaches the disk. Closing it frees the space; a crash leaves nothing.
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "irsnap/unique_fd.hpp"
#include "memory_linux.hpp"

namespace irsnap::collectors {
namespace {

struct CipherFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

Cipher new_cipher(const unsigned char* key, const unsigned char* iv) {
    Cipher c(EVP_CIPHER_CTX_new());
    if (!c || EVP_EncryptInit_ex(c.get(), EVP_aes_256_ctr(), nullptr, key, iv) != 1) return {};
    return c;
}

class AesSpool final : public DumpSpool {
  public:
    AesSpool(UniqueFd fd, Cipher writer, Cipher reader)
        : m_fd(std::move(fd)),
          m_writer(std::move(writer)),
          m_reader(std::move(reader)),
          m_buffer(1 << 20, '\0') {}

    bool append(const char* data, size_t size, int& error) override {
        while (size > 0) {
            const size_t n = std::min(size, m_buffer.size());
            int out = 0;
            if (EVP_EncryptUpdate(m_writer.get(), reinterpret_cast<unsigned char*>(m_buffer.data()),
                                  &out, reinterpret_cast<const unsigned char*>(data),
                                  static_cast<int>(n)) != 1) {
                error = EIO;
                return false;
            }
            size_t done = 0;
            while (done < static_cast<size_t>(out)) {
                const ssize_t w = ::write(m_fd.get(), m_buffer.data() + done, out - done);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) {
                    error = w < 0 ? errno : ENOSPC;
                    return false;
                }
                done += static_cast<size_t>(w);
            }
            data += n;
            size -= n;
        }
        return true;
    }

    long read_back(char* buffer, size_t size) override {
        while (true) {
            const ssize_t n = ::pread(m_fd.get(), buffer, size, static_cast<off_t>(m_read));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return n < 0 ? -errno : 0;
            int out = 0;
            // CTR decrypts in place: the same keystream from the same starting counter.
            if (EVP_EncryptUpdate(m_reader.get(), reinterpret_cast<unsigned char*>(buffer), &out,
                                  reinterpret_cast<const unsigned char*>(buffer),
                                  static_cast<int>(n)) != 1) {
                return -EIO;
            }
            m_read += static_cast<uint64_t>(n);
            return out;
        }
    }

  private:
    UniqueFd m_fd;
    Cipher m_writer, m_reader;
    std::string m_buffer;
    uint64_t m_read = 0;
};

}  // namespace

std::unique_ptr<DumpSpool> open_dump_spool(const Context& ctx, std::string& why_not) {
    if (ctx.bundle_directory.empty()) {
        why_not = "no bundle directory (a stream writes nothing to disk)";
        return nullptr;
    }
    UniqueFd fd(::open(ctx.bundle_directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!fd) {
        why_not = fmt::format("no unnamed scratch file in the bundle's directory: {}",
                              std::strerror(errno));
        return nullptr;
    }
    unsigned char key[32], iv[16];
    if (RAND_bytes(key, sizeof key) != 1 || RAND_bytes(iv, sizeof iv) != 1) {
        why_not = "no random key for the scratch file";
        return nullptr;
    }
    Cipher writer = new_cipher(key, iv);
    Cipher reader = new_cipher(key, iv);
    OPENSSL_cleanse(key, sizeof key);
    if (!writer || !reader) {
        why_not = "AES-256-CTR is not available";
        return nullptr;
    }
    return std::make_unique<AesSpool>(std::move(fd), std::move(writer), std::move(reader));
}

}  // namespace irsnap::collectors
