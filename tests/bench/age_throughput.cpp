// SPDX-License-Identifier: Apache-2.0
// irsnap_bench_age [MIB] [--out FILE --identity FILE]: throughput of age::Encryptor and
// age::Decryptor over a MIB MiB stream (default 2048), generated 1 MiB at a time so memory stays
// at one chunk plus that piece, and the raw ChaCha20-Poly1305 they build on for comparison:
//   raw_evp      EVP_chacha20_poly1305 over 64 KiB chunks, one context, a new nonce per chunk
//   chachapoly   age::crypto::ChaChaPoly::seal (the wrapper STREAM calls), same chunks
//   encrypt      Encryptor::write in 1 MiB pieces, sink discards the output
//   enc+dec      Encryptor's output fed straight to a Decryptor (sink discards the plaintext);
//                decrypt = its time minus encrypt's
//   decrypt      with --out only: the stream written to FILE, then read back in 1 MiB reads
//                (from the page cache) into a Decryptor
// Prints one line per phase (MiB, seconds, MB/s in 10^6 bytes) and the peak RSS (getrusage).
// With --out, the identity goes to --identity, for `age -d` in tests/bench/bench_age.sh.
#include <sys/resource.h>

#include <openssl/evp.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/age_crypto.hpp"
#include "irsnap/age.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace irsnap;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

void report(const char* phase, uint64_t bytes, double secs) {
    std::printf("%-11s %8.0f MiB %8.3f s %9.0f MB/s\n", phase, bytes / 1048576.0, secs,
                bytes / 1e6 / secs);
    std::fflush(stdout);
}

long peak_rss_kib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t mib = 2048;
    const char* out_path = nullptr;
    const char* identity_path = nullptr;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--out" && i + 1 < argc) {
            out_path = argv[++i];
        } else if (a == "--identity" && i + 1 < argc) {
            identity_path = argv[++i];
        } else if (!a.empty() && a[0] != '-') {
            mib = std::strtoull(a.c_str(), nullptr, 10);
        } else {
            std::fprintf(stderr, "usage: %s [MIB] [--out FILE --identity FILE]\n", argv[0]);
            return 2;
        }
    }
    if (mib == 0 || (out_path == nullptr) != (identity_path == nullptr)) {
        std::fprintf(stderr, "%s: MIB must be positive; --out and --identity go together\n",
                     argv[0]);
        return 2;
    }
    const uint64_t total = mib << 20;

    // One 1 MiB piece of plaintext (not zeros, not that it matters to a stream cipher).
    std::string piece(1 << 20, '\0');
    for (size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>(i * 131 + (i >> 12));

    // Raw library: the same 64 KiB chunks, one EVP context keyed once, a nonce per chunk.
    {
        age::Key32 key{};
        key.fill(7);
        EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
        EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), nullptr, key.data(), nullptr);
        std::vector<unsigned char> out(age::k_chunk_bytes + age::k_tag_bytes);
        unsigned char nonce[12] = {};
        const auto* in = reinterpret_cast<const unsigned char*>(piece.data());
        const auto t0 = Clock::now();
        for (uint64_t done = 0, n = 0; done < total; done += age::k_chunk_bytes, ++n) {
            std::memcpy(nonce + 3, &n, 8);
            int len = 0;
            int tail = 0;
            EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce);
            EVP_EncryptUpdate(c, out.data(), &len, in + done % piece.size(),
                              static_cast<int>(age::k_chunk_bytes));
            EVP_EncryptFinal_ex(c, out.data() + len, &tail);
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + age::k_chunk_bytes);
        }
        report("raw_evp", total, seconds_since(t0));
        EVP_CIPHER_CTX_free(c);
    }
    {
        age::Key32 key{};
        key.fill(7);
        age::crypto::ChaChaPoly aead(key);
        std::string out;
        uint8_t nonce[12] = {};
        const auto t0 = Clock::now();
        for (uint64_t done = 0, n = 0; done < total; done += age::k_chunk_bytes, ++n) {
            std::memcpy(nonce + 3, &n, 8);
            aead.seal(nonce,
                      std::string_view(piece).substr(done % piece.size(), age::k_chunk_bytes), out);
        }
        report("chachapoly", total, seconds_since(t0));
    }

    const age::Identity identity = age::generate_identity();
    const std::vector<age::Recipient> recipients{identity.recipient()};

    // Encryptor alone.
    {
        uint64_t sealed = 0;
        age::Encryptor enc(recipients, [&](std::string_view b) {
            sealed += b.size();
            return 0;
        });
        const auto t0 = Clock::now();
        enc.start();
        for (uint64_t done = 0; done < total; done += piece.size()) enc.write(piece);
        enc.finish();
        const double secs = seconds_since(t0);
        report("encrypt", total, secs);
        std::printf("%-11s %llu bytes sealed, peak RSS so far %ld KiB\n", "",
                    static_cast<unsigned long long>(sealed), peak_rss_kib());
    }

    // Encryptor into Decryptor: the decryptor's share is the difference.
    {
        uint64_t opened = 0;
        age::Decryptor dec({identity}, [&](std::string_view b) {
            opened += b.size();
            return 0;
        });
        age::Encryptor enc(recipients, [&](std::string_view b) {
            dec.feed(b);
            return 0;
        });
        const auto t0 = Clock::now();
        enc.start();
        for (uint64_t done = 0; done < total; done += piece.size()) enc.write(piece);
        enc.finish();
        const bool ok = dec.finish();
        const double secs = seconds_since(t0);
        report("enc+dec", total, secs);
        if (!ok || opened != total) {
            std::fprintf(stderr, "decryption failed: %s (%llu of %llu bytes)\n",
                         dec.error().message.c_str(), static_cast<unsigned long long>(opened),
                         static_cast<unsigned long long>(total));
            return 1;
        }
    }

    // The same stream into a file, for `age -d` (not timed).
    if (out_path) {
        FILE* f = std::fopen(out_path, "wb");
        FILE* k = std::fopen(identity_path, "w");
        if (!f || !k) {
            std::perror("fopen");
            return 1;
        }
        const std::string key_text = age::identity_file_text(identity, "2026-01-01T00:00:00Z");
        std::fwrite(key_text.data(), 1, key_text.size(), k);
        std::fclose(k);
        age::Encryptor enc(recipients, [&](std::string_view b) {
            return std::fwrite(b.data(), 1, b.size(), f) == b.size() ? 0 : EIO;
        });
        enc.start();
        for (uint64_t done = 0; done < total; done += piece.size()) enc.write(piece);
        if (enc.finish() != 0 || std::fclose(f) != 0) {
            std::fprintf(stderr, "writing %s failed\n", out_path);
            return 1;
        }
        // Decryptor alone, reading the file back in 1 MiB reads (from the page cache).
        f = std::fopen(out_path, "rb");
        if (!f) {
            std::perror("fopen");
            return 1;
        }
        uint64_t opened = 0;
        age::Decryptor dec({identity}, [&](std::string_view b) {
            opened += b.size();
            return 0;
        });
        const auto t0 = Clock::now();
        size_t n = 0;
        while ((n = std::fread(piece.data(), 1, piece.size(), f)) > 0) {
            if (!dec.feed(std::string_view(piece.data(), n))) break;
        }
        const bool ok = dec.finish();
        report("decrypt", total, seconds_since(t0));
        std::fclose(f);
        if (!ok || opened != total) {
            std::fprintf(stderr, "decrypting %s failed: %s\n", out_path,
                         dec.error().message.c_str());
            return 1;
        }
    }
    std::printf("peak_rss   %ld KiB\n", peak_rss_kib());
    return 0;
}
