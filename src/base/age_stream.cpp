// SPDX-License-Identifier: Apache-2.0
// age's payload: the file key wrapped to each X25519 recipient, the header MAC, then the STREAM
// construction (ChaCha20-Poly1305 over 64 KiB chunks, nonce = 11-byte big-endian counter and a
// last-chunk flag), as https://age-encryption.org/v1 specifies.
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "age_crypto.hpp"
#include "irsnap/age.hpp"
#include "irsnap/os_random.hpp"

namespace irsnap::age {
namespace {

constexpr std::string_view k_x25519_info = "age-encryption.org/v1/X25519";
constexpr size_t k_file_key_bytes = 16;
constexpr size_t k_nonce_bytes = 16;
constexpr size_t k_sealed_chunk = k_chunk_bytes + k_tag_bytes;

std::string_view as_view(const Key32& k) {
    return {reinterpret_cast<const char*>(k.data()), k.size()};
}

void stream_nonce(uint64_t counter, bool last, uint8_t out[12]) {
    std::memset(out, 0, 12);
    for (int i = 0; i < 8; ++i) out[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
    out[11] = last ? 1 : 0;
}

Key32 payload_key(std::string_view file_key, std::string_view nonce) {
    return crypto::hkdf_sha256(file_key, nonce, "payload");
}

/// A stanza body as the spec lays it out: 64-column lines, the last one shorter (empty when
/// the encoding fills its last line).
std::string wrap_body(const std::string& encoded) {
    std::string out;
    size_t i = 0;
    for (; i + 64 <= encoded.size(); i += 64) out += encoded.substr(i, 64) + "\n";
    out += encoded.substr(i) + "\n";
    return out;
}

}  // namespace

std::string_view failure_name(Failure failure) {
    switch (failure) {
        case Failure::none:
            return "none";
        case Failure::header:
            return "header failure";
        case Failure::armor:
            return "armor failure";
        case Failure::no_match:
            return "no match";
        case Failure::hmac:
            return "HMAC failure";
        case Failure::payload:
            return "payload failure";
    }
    return "unknown";
}

// ---- Encryptor -------------------------------------------------------------------------------

Encryptor::Encryptor(std::vector<Recipient> recipients, Sink sink)
    : m_recipients(std::move(recipients)), m_sink(std::move(sink)) {
    if (m_recipients.empty()) throw std::invalid_argument("age: no recipient");
    m_chunk.reserve(k_chunk_bytes);
}

Encryptor::~Encryptor() = default;

int Encryptor::start() {
    std::string file_key(k_file_key_bytes, '\0');
    os_random(file_key.data(), file_key.size());
    std::string header(k_magic);
    for (const Recipient& r : m_recipients) {
        Key32 ephemeral{};
        os_random(ephemeral.data(), ephemeral.size());
        const Key32 share = crypto::x25519_public(ephemeral);
        const auto shared = crypto::x25519(ephemeral, r.public_key);
        if (!shared) throw std::runtime_error("age: the recipient key is a low-order point");
        const Key32 wrap = crypto::hkdf_sha256(
            as_view(*shared), std::string(as_view(share)) + std::string(as_view(r.public_key)),
            k_x25519_info);
        crypto::ChaChaPoly aead(wrap);
        const uint8_t zero[12] = {};
        std::string body;
        aead.seal(zero, file_key, body);
        header +=
            "-> X25519 " + base64_encode(as_view(share)) + "\n" + wrap_body(base64_encode(body));
    }
    header += "---";
    const Key32 mac = crypto::hmac_sha256(crypto::hkdf_sha256(file_key, "", "header"), header);
    header += " " + base64_encode(as_view(mac)) + "\n";
    std::string nonce(k_nonce_bytes, '\0');
    os_random(nonce.data(), nonce.size());
    m_aead = std::make_unique<crypto::ChaChaPoly>(payload_key(file_key, nonce));
    std::fill(file_key.begin(), file_key.end(), '\0');
    m_error = m_sink(header + nonce);
    return m_error;
}

int Encryptor::seal_chunk(bool last) {
    uint8_t nonce[12];
    stream_nonce(m_counter++, last, nonce);
    m_aead->seal(nonce, m_chunk, m_out);
    m_chunk.clear();
    m_error = m_sink(m_out);
    return m_error;
}

int Encryptor::write(std::string_view plaintext) {
    if (m_error) return m_error;
    if (!m_aead) throw std::logic_error("age: write before start");
    m_plain_total += plaintext.size();
    while (!plaintext.empty()) {
        // A full chunk is sealed only once more data shows it is not the last one.
        if (m_chunk.size() == k_chunk_bytes && seal_chunk(false) != 0) return m_error;
        const size_t take = std::min(plaintext.size(), k_chunk_bytes - m_chunk.size());
        m_chunk.append(plaintext.substr(0, take));
        plaintext.remove_prefix(take);
    }
    return 0;
}

int Encryptor::finish() {
    if (m_error) return m_error;
    if (!m_aead) throw std::logic_error("age: finish before start");
    return seal_chunk(true);
}

// ---- Decryptor -------------------------------------------------------------------------------

Decryptor::Decryptor(std::vector<Identity> identities, Sink sink)
    : m_identities(std::move(identities)), m_sink(std::move(sink)) {}

Decryptor::~Decryptor() = default;

bool Decryptor::fail(Failure failure, std::string message, uint64_t offset) {
    m_state = State::failed;
    m_error = DecryptError{failure, std::move(message), offset};
    m_buffer.clear();
    return false;
}

bool Decryptor::on_header() {
    std::string why;
    auto header = parse_header(m_buffer, why);
    if (!header) return fail(Failure::header, "malformed age header: " + why, 0);
    bool has_scrypt = false;
    for (const Stanza& s : header->stanzas) has_scrypt |= s.args[0] == "scrypt";
    if (has_scrypt && header->stanzas.size() > 1) {
        return fail(Failure::header, "malformed age header: an scrypt stanza must be alone", 0);
    }
    std::optional<std::string> file_key;
    for (const Stanza& s : header->stanzas) {
        if (s.args[0] != "X25519") continue;
        const auto share = s.args.size() == 2 ? base64_decode(s.args[1]) : std::nullopt;
        if (!share || share->size() != 32 || s.body.size() != k_file_key_bytes + k_tag_bytes) {
            return fail(Failure::header, "malformed age header: an invalid X25519 stanza", 0);
        }
        Key32 share_key{};
        std::memcpy(share_key.data(), share->data(), 32);
        for (const Identity& id : m_identities) {
            const auto shared = crypto::x25519(id.secret, share_key);
            if (!shared) {
                return fail(Failure::header,
                            "malformed age header: an X25519 share is a low-order point", 0);
            }
            const Key32 wrap = crypto::hkdf_sha256(
                as_view(*shared), *share + std::string(as_view(id.recipient().public_key)),
                k_x25519_info);
            crypto::ChaChaPoly aead(wrap);
            const uint8_t zero[12] = {};
            std::string key;
            if (aead.open(zero, s.body, key)) {
                file_key = std::move(key);
                break;
            }
        }
        if (file_key) break;
    }
    if (!file_key) {
        return fail(Failure::no_match,
                    "no identity given opens this file (it was sealed to another key)", 0);
    }
    const Key32 mac_key = crypto::hkdf_sha256(*file_key, "", "header");
    const Key32 mac =
        crypto::hmac_sha256(mac_key, std::string_view(m_buffer).substr(0, header->mac_input));
    if (!crypto::equal_ct(as_view(mac), header->mac)) {
        return fail(Failure::hmac,
                    "the header's MAC does not match: the header was altered after sealing",
                    header->mac_input);
    }
    std::memcpy(m_file_key_storage.data(), file_key->data(), k_file_key_bytes);
    m_consumed = header->length;
    m_buffer.erase(0, header->length);
    m_state = State::nonce;
    m_header_done = true;
    return true;
}

bool Decryptor::open_chunk(std::string_view sealed, bool last) {
    uint8_t nonce[12];
    const uint64_t offset = m_consumed;
    stream_nonce(m_counter, last, nonce);
    bool ok = m_aead->open(nonce, sealed, m_plain);
    bool was_last = last;
    if (!ok) {
        // The other flag tells a cut file from a damaged chunk: a full chunk that opens as the
        // last one but has bytes after it, or one that opens as a middle one at the file's end.
        // Only a full chunk can be a middle one: a short chunk is the end or damaged.
        stream_nonce(m_counter, !last, nonce);
        if (sealed.size() == k_sealed_chunk && m_aead->open(nonce, sealed, m_plain)) {
            // Authentic, just in the wrong place: release it, then report the cut or the extra
            // bytes, as the reference implementation does (the CCTV vectors' payload hashes).
            if (m_plain.size() > 0 && (m_sink_errno = m_sink(m_plain)) != 0) {
                m_state = State::failed;
                return false;
            }
            if (last) {
                return fail(Failure::payload,
                            fmt::format("the file is cut short: it ends after chunk {} (byte "
                                        "offset {}) without the final chunk",
                                        m_counter, offset + sealed.size()),
                            offset + sealed.size());
            }
            return fail(Failure::payload,
                        fmt::format("bytes follow the final chunk {} (byte offset {})", m_counter,
                                    offset + sealed.size()),
                        offset + sealed.size());
        }
        return fail(Failure::payload,
                    fmt::format("chunk {} (byte offset {}) failed authentication: the file was "
                                "altered or cut",
                                m_counter, offset),
                    offset);
    }
    if (was_last && m_plain.empty() && m_counter > 0) {
        return fail(Failure::payload,
                    fmt::format("the final chunk {} (byte offset {}) is empty", m_counter, offset),
                    offset);
    }
    ++m_counter;
    m_consumed += sealed.size();
    if (!m_plain.empty() && (m_sink_errno = m_sink(m_plain)) != 0) {
        m_state = State::failed;
        return false;
    }
    return true;
}

bool Decryptor::feed(std::string_view bytes) {
    if (m_state == State::failed) return false;
    if (m_state == State::done) {
        if (bytes.empty()) return true;
        return fail(Failure::payload, "bytes follow the final chunk", m_consumed);
    }
    m_buffer.append(bytes);
    if (m_state == State::header) {
        // Fed in small pieces, "-" must not be called a non-age file before the fifth byte
        // tells armor ("-----") from the rest.
        const size_t dashes = std::min<size_t>(m_buffer.size(), 5);
        if (m_buffer.compare(0, dashes, "-----", dashes) == 0) {
            if (dashes < 5) return true;
            return fail(Failure::armor,
                        "an ASCII-armored age file: irsnap reads binary age files (use `age -d`)",
                        0);
        }
        const size_t probe = std::min(m_buffer.size(), k_magic.size());
        if (m_buffer.compare(0, probe, k_magic.substr(0, probe)) != 0) {
            return fail(Failure::header,
                        "not an age file: it does not start with "
                        "'age-encryption.org/v1'",
                        0);
        }
        // Searched from where the last search stopped (less the pattern's length): a header
        // fed in tiny pieces costs linear, not quadratic, time.
        const size_t from = m_header_scan > 4 ? m_header_scan - 4 : 0;
        const size_t mac_line = m_buffer.find("\n---", from);
        const size_t end =
            mac_line == std::string::npos ? mac_line : m_buffer.find('\n', mac_line + 1);
        if (end == std::string::npos) {
            m_header_scan = mac_line == std::string::npos ? m_buffer.size() : mac_line;
            if (m_buffer.size() > k_max_header_bytes) {
                return fail(Failure::header, "the age header is longer than 1 MiB", 0);
            }
            return true;
        }
        if (!on_header()) return false;
    }
    if (m_state == State::nonce) {
        if (m_buffer.size() < k_nonce_bytes) return true;
        m_aead = std::make_unique<crypto::ChaChaPoly>(
            payload_key(std::string_view(reinterpret_cast<const char*>(m_file_key_storage.data()),
                                         k_file_key_bytes),
                        std::string_view(m_buffer).substr(0, k_nonce_bytes)));
        m_file_key_storage.fill(0);
        m_buffer.erase(0, k_nonce_bytes);
        m_consumed += k_nonce_bytes;
        m_state = State::payload;
    }
    // A full chunk followed by at least one more byte is not the last one.
    size_t at = 0;
    while (m_buffer.size() - at > k_sealed_chunk) {
        if (!open_chunk(std::string_view(m_buffer).substr(at, k_sealed_chunk), false)) {
            return false;
        }
        at += k_sealed_chunk;
    }
    m_buffer.erase(0, at);
    return true;
}

bool Decryptor::finish() {
    switch (m_state) {
        case State::failed:
            return false;
        case State::done:
            return true;
        case State::header:
            if (m_buffer.empty()) return fail(Failure::header, "the file is empty", 0);
            return fail(Failure::header, "the file ends inside the age header", m_buffer.size());
        case State::nonce:
            return fail(Failure::header, "the file ends before the payload nonce", m_consumed);
        case State::payload:
            break;
    }
    if (m_buffer.empty()) {
        return fail(Failure::payload,
                    m_counter == 0
                        ? std::string("the payload is missing (no chunk after the nonce)")
                        : fmt::format("the file is cut short after chunk {} (byte offset {}): "
                                      "the final chunk is missing",
                                      m_counter - 1, m_consumed),
                    m_consumed);
    }
    if (m_buffer.size() < k_tag_bytes) {
        return fail(Failure::payload,
                    fmt::format("the file is cut short inside chunk {} (byte offset {})", m_counter,
                                m_consumed),
                    m_consumed);
    }
    if (!open_chunk(m_buffer, true)) return false;
    m_buffer.clear();
    m_state = State::done;
    return true;
}

}  // namespace irsnap::age
