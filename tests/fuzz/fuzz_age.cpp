// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: age files as `irsnap` opens them (a sealed bundle comes from anywhere): the
// header parser, base64, and the STREAM decryptor fed in one piece and in odd pieces.
//
// Random bytes never get past the header MAC, so most of the decryptor would go unfuzzed. The
// first byte therefore picks a mode:
//  - 0x00: the rest is the payload (chunk stream) after a fixed header and nonce, those of the
//    CCTV vector `x25519` (its identity below opens it), so raw chunk bytes reach the STREAM
//    code: chunk boundaries, short and missing tags, the last-chunk rules, trailing bytes.
//  - 0x01: the rest describes chunks that this target seals itself under that vector's payload
//    key (its file key is in the vector), so authentic chunks, second chunks and the empty and
//    full last chunk are reached without a 64 KiB input. Encryptor cannot serve here: it draws
//    its file key and nonce from the OS, and a fuzz input must replay the same way.
//  - anything else: the input is the whole age file.
#include <string>
#include <vector>

#include "base/age_crypto.hpp"
#include "fuzz_common.hpp"
#include "irsnap/age.hpp"

namespace {

using namespace irsnap;

// The CCTV vectors' X25519 identity (testdata/age/x25519 and every stream_* vector).
constexpr std::string_view k_identity =
    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
// testdata/age/x25519: its header and payload nonce (the first 184 bytes of the file), and its
// file key.
constexpr std::string_view k_prefix =
    "age-encryption.org/v1\n"
    "-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\n"
    "hjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n"
    "--- WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg\n"
    "\xee\xcf\x62\xc7\xce\x91\xb4\x33\x27\x4e\x68\xd4\xf2\xf9\x13\x4c";
constexpr size_t k_nonce_at = k_prefix.size() - 16;
constexpr std::string_view k_file_key = "YELLOW SUBMARINE";  // 59454c4c4f57205355424d4152494e45

// Chunks sealed per input in mode 0x01: enough for a middle, a second and a final chunk.
constexpr size_t k_max_records = 4;

const std::vector<age::Identity>& identities() {
    static const std::vector<age::Identity> ids = [] {
        std::string error;
        auto id = age::parse_identity(k_identity, error);
        FUZZ_CHECK(id.has_value());
        return std::vector<age::Identity>{*id};
    }();
    return ids;
}

void stream_nonce(uint64_t counter, bool last, uint8_t out[12]) {
    for (int i = 0; i < 12; ++i) out[i] = 0;
    for (int i = 0; i < 8; ++i) out[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
    out[11] = last ? 1 : 0;
}

/// Mode 0x01. Each 3-byte record [op][len][fill] seals one chunk of plaintext bytes fill, fill+1,
/// ...: op bit 0 = the last-chunk flag, bit 1 = seal under the next counter (out of order), bit 2
/// = cut (fill % 16) + 1 bytes off the sealed chunk, bit 3 = flip a byte of it, bit 4 = a chunk of
/// 65536 - len bytes (full when len is 0) instead of len bytes. Bytes after the records are
/// appended as they are. `canonical` says whether the result is a well-formed age file, which
/// must then decrypt to exactly `plain`.
struct Sealed {
    std::string file;
    std::string plain;  ///< every record's plaintext, in order
    bool canonical = true;
};

Sealed seal_records(std::string_view in) {
    static const age::Key32 payload_key =
        age::crypto::hkdf_sha256(k_file_key, k_prefix.substr(k_nonce_at), "payload");
    static age::crypto::ChaChaPoly aead(payload_key);
    Sealed out;
    out.file = k_prefix;
    size_t records = 0;
    bool saw_last = false;
    uint64_t counter = 0;
    std::string plain;
    std::string sealed;
    while (in.size() >= 3 && records < k_max_records && !saw_last) {
        const auto op = static_cast<uint8_t>(in[0]);
        const auto len = static_cast<uint8_t>(in[1]);
        const auto fill = static_cast<uint8_t>(in[2]);
        in.remove_prefix(3);
        saw_last = op & 1;
        const size_t n = (op & 16) ? age::k_chunk_bytes - len : len;
        plain.resize(n);
        for (size_t i = 0; i < n; ++i) plain[i] = static_cast<char>(fill + i);
        uint8_t nonce[12];
        stream_nonce(counter + ((op & 2) ? 1 : 0), saw_last, nonce);
        aead.seal(nonce, plain, sealed);
        if (op & 4) sealed.resize(sealed.size() - (fill % 16) - 1);
        if ((op & 8) && !sealed.empty()) sealed[(fill * 7919u) % sealed.size()] ^= 0x5a;
        ++records;
        ++counter;
        out.file += sealed;
        out.plain += plain;
        // Well formed: in order and intact, every chunk but the last full, and the last empty
        // only when it is the only one.
        out.canonical = out.canonical && (op & 14) == 0 &&
                        (saw_last ? n > 0 || records == 1 : n == age::k_chunk_bytes);
    }
    // ... and a last chunk ends it: no trailing bytes.
    out.canonical = out.canonical && saw_last && in.empty();
    out.file += in;
    return out;
}

struct Run {
    bool ok = false;
    bool header_done = false;
    age::DecryptError error;
    std::string released;
    uint64_t chunks = 0;
};

/// Decrypts `file`, fed in pieces of the sizes `pieces` cycles through (none: in one piece).
Run decrypt(std::string_view file, const std::vector<size_t>& pieces) {
    Run run;
    age::Decryptor d(identities(), [&](std::string_view bytes) {
        FUZZ_CHECK(!bytes.empty());
        run.released.append(bytes);
        return 0;
    });
    if (pieces.empty()) {
        d.feed(file);
    } else {
        for (size_t at = 0, i = 0; at < file.size(); at += pieces[i], i = (i + 1) % pieces.size()) {
            d.feed(file.substr(at, pieces[i]));
        }
    }
    run.ok = d.finish();
    run.header_done = d.header_done();
    run.error = d.error();
    run.chunks = d.chunks();
    FUZZ_CHECK(d.sink_error() == 0);
    return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input = fuzz::as_text(data, size);
    std::string file;
    Sealed sealed;
    const bool seal_mode = size > 0 && data[0] == 0x01;
    if (size > 0 && data[0] == 0x00) {
        file = std::string(k_prefix) + std::string(input.substr(1));
    } else if (seal_mode) {
        sealed = seal_records(input.substr(1));
        file = sealed.file;
    } else {
        file = input;
    }

    // base64: what decodes re-encodes to the same text (canonical: one encoding per byte string).
    if (const auto decoded = age::base64_decode(input)) {
        FUZZ_CHECK(decoded->size() <= size);
        FUZZ_CHECK(age::base64_encode(*decoded) == input);
    }

    // The header parser: a header lies within the text, ends with its MAC line, and parses the
    // same from its own bytes (it is self-delimiting).
    std::string why;
    const auto header = age::parse_header(file, why);
    if (header) {
        FUZZ_CHECK(why.empty());
        FUZZ_CHECK(!header->stanzas.empty() && header->mac.size() == 32);
        FUZZ_CHECK(header->mac_input < header->length && header->length <= file.size());
        FUZZ_CHECK(file.compare(header->mac_input - 3, 4, "--- ") == 0);
        FUZZ_CHECK(file[header->length - 1] == '\n');
        for (const auto& s : header->stanzas) {
            FUZZ_CHECK(!s.args.empty());
            FUZZ_CHECK(age::base64_decode(age::base64_encode(s.body)) == s.body);
        }
        std::string again;
        const auto same =
            age::parse_header(std::string_view(file).substr(0, header->length), again);
        FUZZ_CHECK(same && same->length == header->length && same->mac == header->mac &&
                   same->stanzas.size() == header->stanzas.size());
    } else {
        FUZZ_CHECK(!why.empty());
    }

    // The decryptor, in one piece and in odd pieces (tiny ones first: the magic and armor
    // checks see a partial first line): the same end, the same plaintext.
    const Run whole = decrypt(file, {});
    const Run parts = decrypt(file, {1, 2, 3, 5, 7, 11, 4099, 65551});
    FUZZ_CHECK(whole.ok == parts.ok && whole.header_done == parts.header_done);
    FUZZ_CHECK(whole.error.failure == parts.error.failure);
    FUZZ_CHECK(whole.error.offset == parts.error.offset);
    FUZZ_CHECK(whole.released == parts.released && whole.chunks == parts.chunks);
    for (const Run* r : {&whole, &parts}) {
        // Plaintext is never longer than the file, and comes only from an opened header.
        FUZZ_CHECK(r->released.size() <= file.size());
        FUZZ_CHECK(r->header_done || r->released.empty());
        FUZZ_CHECK(r->ok == (r->error.failure == age::Failure::none));
        FUZZ_CHECK(!r->ok || r->header_done);
        FUZZ_CHECK(r->ok || !r->error.message.empty());
        FUZZ_CHECK(r->error.offset <= file.size());
        // Released plaintext is whole chunks, at most one more than were counted (an authentic
        // chunk in the wrong place is released before the failure).
        FUZZ_CHECK(r->released.size() <= (r->chunks + 1) * age::k_chunk_bytes);
    }
    // A file the header parser refuses never opens.
    if (!header) FUZZ_CHECK(!whole.ok && !whole.header_done);
    if (seal_mode) {
        // Chunks sealed here: only authentic plaintext, in order, comes out, and a well-formed
        // stream opens to all of it (anything else fails).
        FUZZ_CHECK(sealed.plain.compare(0, whole.released.size(), whole.released) == 0);
        FUZZ_CHECK(whole.ok == sealed.canonical);
        if (whole.ok) FUZZ_CHECK(whole.released == sealed.plain);
    }
    return 0;
}
