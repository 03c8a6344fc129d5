// SPDX-License-Identifier: Apache-2.0
// The age v1 file format (https://age-encryption.org/v1) with X25519 recipients: what a sealed
// bundle is. Streaming both ways with bounded memory (one 64 KiB chunk), so a bundle of any size
// is sealed as it is written and opened as it is read. The primitives (X25519, ChaCha20-Poly1305,
// HKDF-SHA-256, HMAC-SHA-256) are OpenSSL's libcrypto on Linux and Windows alike (age_crypto.cpp);
// random bytes come from the OS (os_random.hpp). Pure otherwise: no I/O, so tests and the fuzzer
// drive it with literal bytes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::age {

namespace crypto {
class ChaChaPoly;  // age_crypto.hpp
}  // namespace crypto

/// The first line of every age file, newline included.
inline constexpr std::string_view k_magic = "age-encryption.org/v1\n";
/// Plaintext bytes per STREAM chunk, and the Poly1305 tag after each.
inline constexpr size_t k_chunk_bytes = 64 * 1024;
inline constexpr size_t k_tag_bytes = 16;
/// A header longer than this is refused (irsnap writes a few hundred bytes per recipient): a
/// crafted file must not make the reader hold gigabytes looking for the header's end.
inline constexpr size_t k_max_header_bytes = 1 << 20;

using Key32 = std::array<uint8_t, 32>;

/// An X25519 recipient: `age1...` (Bech32, as age-keygen prints it).
struct Recipient {
    Key32 public_key{};
    std::string text() const;
    /// A short form staff can compare by eye on a printed page: the key's first 8 and last 8
    /// characters ("age1ql3z...ac8p3ddd"). The full key is printed beside it.
    std::string short_text() const;
    bool operator==(const Recipient& other) const = default;
};

/// An X25519 identity: `AGE-SECRET-KEY-1...`.
struct Identity {
    Key32 secret{};
    std::string text() const;
    Recipient recipient() const;
};

/// Parses one key; nullopt with `error` set (one line) when it is not one.
std::optional<Recipient> parse_recipient(std::string_view text, std::string& error);
std::optional<Identity> parse_identity(std::string_view text, std::string& error);

/// A recipients file (irsnap.recipients, --recipients-file, `age -R`): one `age1...` key a line,
/// blank lines and `#` comments ignored. Any other line, or no key at all, is an error (a line
/// is named by its number).
std::vector<Recipient> parse_recipients_file(std::string_view text, std::string& error);
/// An identity file (age-keygen's output, `irsnap keygen`'s): `AGE-SECRET-KEY-1...` lines, blank
/// lines and `#` comments ignored.
std::vector<Identity> parse_identity_file(std::string_view text, std::string& error);

/// A new identity from the OS's random source. Throws std::runtime_error when it fails.
Identity generate_identity();
/// What `irsnap keygen` writes: age-keygen's layout (created time, public key, secret key).
std::string identity_file_text(const Identity& identity, std::string_view created_rfc3339);

/// Receives output bytes; returns 0 or an errno (the writer stops at the first failure).
using Sink = std::function<int(std::string_view)>;

/// Encrypts a stream to one or more recipients: the header goes out on start(), each full 64 KiB
/// chunk as soon as the next byte shows it is not the last, the last one on finish().
class Encryptor {
  public:
    Encryptor(std::vector<Recipient> recipients, Sink sink);
    ~Encryptor();
    Encryptor(const Encryptor&) = delete;
    Encryptor& operator=(const Encryptor&) = delete;

    /// Draws the file key and payload nonce from the OS, sends header and nonce.
    int start();
    int write(std::string_view plaintext);
    /// Seals the last chunk (empty only if nothing was written). Call once.
    int finish();
    uint64_t plaintext_bytes() const { return m_plain_total; }

  private:
    int seal_chunk(bool last);
    std::vector<Recipient> m_recipients;
    Sink m_sink;
    std::unique_ptr<crypto::ChaChaPoly> m_aead;  ///< keyed with the payload key
    std::string m_chunk;  ///< plaintext waiting; sealed once known not to be the last
    std::string m_out;
    uint64_t m_counter = 0;
    uint64_t m_plain_total = 0;
    int m_error = 0;
};

/// Why decryption stopped. `header` and `armor` are malformed files, `no_match` means none of
/// the identities opens the file (a wrong key), `hmac` a header altered after sealing, `payload`
/// a chunk that failed authentication, was cut short or is followed by extra bytes.
enum class Failure { none, header, armor, no_match, hmac, payload };
std::string_view failure_name(Failure failure);

struct DecryptError {
    Failure failure = Failure::none;
    std::string message;  ///< one line, naming the chunk and byte offset where it applies
    uint64_t offset = 0;  ///< in the age file
};

/// Decrypts a stream fed in pieces of any size. Plaintext is released only chunk by chunk after
/// its tag verified, so nothing unauthenticated ever reaches the sink.
class Decryptor {
  public:
    Decryptor(std::vector<Identity> identities, Sink sink);
    ~Decryptor();
    Decryptor(const Decryptor&) = delete;
    Decryptor& operator=(const Decryptor&) = delete;

    /// False once decryption failed or the sink refused a write; later bytes are ignored.
    bool feed(std::string_view bytes);
    /// The input ended: the buffered rest must be the last chunk. True when the whole file
    /// decrypted and authenticated.
    bool finish();
    const DecryptError& error() const { return m_error; }
    /// The header was read and a file key unwrapped (a wrong key fails before this). Stays true
    /// when the payload fails later, and false when the header itself failed.
    bool header_done() const { return m_header_done; }
    /// The sink's errno when it stopped the stream, else 0.
    int sink_error() const { return m_sink_errno; }
    uint64_t chunks() const { return m_counter; }

  private:
    enum class State { header, nonce, payload, done, failed };
    bool fail(Failure failure, std::string message, uint64_t offset);
    bool on_header();
    bool open_chunk(std::string_view sealed, bool last);
    std::vector<Identity> m_identities;
    Sink m_sink;
    std::unique_ptr<crypto::ChaChaPoly> m_aead;  ///< keyed with the payload key
    State m_state = State::header;
    bool m_header_done = false;
    size_t m_header_scan = 0;  ///< where the search for the MAC line goes on
    std::string m_buffer;
    std::string m_plain;
    uint64_t m_consumed = 0;  ///< file bytes before m_buffer's first byte
    uint64_t m_counter = 0;
    Key32 m_file_key_storage{};
    DecryptError m_error;
    int m_sink_errno = 0;
};

// ---- exposed for tests and the fuzzer ------------------------------------------------------

/// One recipient stanza: `-> type args...` and its body.
struct Stanza {
    std::vector<std::string> args;  ///< args[0] is the type ("X25519")
    std::string body;               ///< decoded
};
struct Header {
    std::vector<Stanza> stanzas;
    std::string mac;       ///< decoded, 32 bytes
    size_t mac_input = 0;  ///< bytes the MAC covers: everything up to and including "---"
    size_t length = 0;     ///< the header's bytes including the MAC line's newline
};
/// Parses a complete header (the whole text through the MAC line). nullopt and `error` when it
/// is malformed: strict LF lines, canonical unpadded base64, 64-column bodies.
std::optional<Header> parse_header(std::string_view text, std::string& error);

/// Standard base64 without padding, as age uses; decode refuses padding, foreign characters and
/// non-canonical trailing bits.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace irsnap::age
