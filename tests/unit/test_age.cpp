// SPDX-License-Identifier: Apache-2.0
// The age format: keys, header, STREAM, round trips, and the C2SP CCTV test vectors in
// ../shared/testdata/age (every X25519 vector decrypts or fails exactly as its `expect` says, and
// what was released hashes to its `payload`).
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "irsnap/age.hpp"
#include "irsnap/hash.hpp"

namespace irsnap::age {
namespace {

std::string decrypt_all(const std::vector<Identity>& ids, std::string_view file, bool& ok,
                        DecryptError& error, size_t piece = 4096) {
    std::string plain;
    Decryptor d(ids, [&](std::string_view b) {
        plain.append(b);
        return 0;
    });
    ok = true;
    for (size_t i = 0; i < file.size() && ok; i += piece) ok = d.feed(file.substr(i, piece));
    if (ok) ok = d.finish();
    error = d.error();
    return plain;
}

std::string encrypt_all(const std::vector<Recipient>& rs, std::string_view plain,
                        size_t piece = 1000) {
    std::string out;
    Encryptor e(rs, [&](std::string_view b) {
        out.append(b);
        return 0;
    });
    EXPECT_EQ(e.start(), 0);
    for (size_t i = 0; i < plain.size(); i += piece) EXPECT_EQ(e.write(plain.substr(i, piece)), 0);
    EXPECT_EQ(e.finish(), 0);
    return out;
}

TEST(Age, KeysRoundTripAndKnownEncoding) {
    // age's own example pair (age-encryption.org): the identity must give this recipient.
    std::string error;
    auto id = parse_identity(
        "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX", error);
    ASSERT_TRUE(id) << error;
    EXPECT_EQ(id->text(),
              "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX");
    EXPECT_EQ(id->recipient().text(),
              "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
    auto r = parse_recipient(id->recipient().text(), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(*r, id->recipient());
    EXPECT_EQ(r->short_text(), "age1zvky...equnujwj");
}

TEST(Age, KeyParsingRefusesTyposCaseAndOtherKinds) {
    std::string error;
    const std::string good = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
    std::string typo = good;
    typo[10] = typo[10] == 'q' ? 'p' : 'q';
    EXPECT_FALSE(parse_recipient(typo, error));
    EXPECT_NE(error.find("checksum"), std::string::npos) << error;
    std::string upper = good;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_FALSE(parse_recipient(upper, error));
    EXPECT_FALSE(parse_recipient("ssh-ed25519 AAAA", error));
    EXPECT_FALSE(parse_identity(good, error));
    EXPECT_FALSE(parse_recipient("", error));
}

TEST(Age, KeyFilesSkipCommentsAndNameTheBadLine) {
    const Identity a = generate_identity();
    const Identity b = generate_identity();
    std::string error;
    auto rs = parse_recipients_file(
        "# stick for case 42\n\n" + a.recipient().text() + "\r\n  " + b.recipient().text() + "  \n",
        error);
    ASSERT_EQ(rs.size(), 2u) << error;
    EXPECT_EQ(rs[1], b.recipient());
    rs = parse_recipients_file(a.recipient().text() + "\nnot-a-key\n", error);
    EXPECT_TRUE(rs.empty());
    EXPECT_NE(error.find("line 2"), std::string::npos) << error;
    error.clear();
    auto ids = parse_identity_file(identity_file_text(a, "2026-12-05T00:00:00Z"), error);
    ASSERT_EQ(ids.size(), 1u) << error;
    EXPECT_EQ(ids[0].text(), a.text());
    error.clear();
    EXPECT_TRUE(parse_identity_file("# only a comment\n", error).empty());
    EXPECT_FALSE(error.empty());
}

TEST(Age, Base64IsCanonicalAndUnpadded) {
    EXPECT_EQ(base64_encode("f"), "Zg");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64_decode("Zm9vYg"), std::optional<std::string>("foob"));
    EXPECT_FALSE(base64_decode("Zg=="));
    EXPECT_FALSE(base64_decode("Zh"));  // non-zero trailing bits
    EXPECT_FALSE(base64_decode("Z"));
    EXPECT_FALSE(base64_decode("Zm9v\n"));
}

TEST(Age, RoundTripsAtChunkBoundariesToEveryRecipient) {
    const Identity a = generate_identity();
    const Identity b = generate_identity();
    for (size_t size : {size_t{0}, size_t{1}, k_chunk_bytes - 1, k_chunk_bytes, k_chunk_bytes + 1,
                        2 * k_chunk_bytes, 3 * k_chunk_bytes + 7}) {
        std::string plain(size, '\0');
        for (size_t i = 0; i < size; ++i) plain[i] = static_cast<char>(i * 7 + 3);
        const std::string sealed = encrypt_all({a.recipient(), b.recipient()}, plain);
        const size_t chunks = size == 0 ? 1 : (size + k_chunk_bytes - 1) / k_chunk_bytes;
        const size_t header = sealed.size() - 16 - size - chunks * k_tag_bytes;
        EXPECT_EQ(sealed.substr(0, k_magic.size()), k_magic);
        EXPECT_LT(header, 400u);
        for (const Identity& who : {a, b}) {
            bool ok = false;
            DecryptError error;
            EXPECT_EQ(decrypt_all({who}, sealed, ok, error, 777), plain) << size;
            EXPECT_TRUE(ok) << size << ": " << error.message;
        }
    }
}

TEST(Age, WrongKeyTamperAndCutEachFailTheirOwnWay) {
    const Identity a = generate_identity();
    const std::string plain(3 * k_chunk_bytes, 'x');
    const std::string sealed = encrypt_all({a.recipient()}, plain);
    bool ok = true;
    DecryptError error;
    EXPECT_TRUE(decrypt_all({generate_identity()}, sealed, ok, error).empty());
    EXPECT_EQ(error.failure, Failure::no_match);

    std::string flipped = sealed;
    const size_t second_chunk = sealed.size() - 2 * (k_chunk_bytes + k_tag_bytes) + 5;
    flipped[second_chunk] ^= 1;
    const std::string released = decrypt_all({a}, flipped, ok, error);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error.failure, Failure::payload);
    EXPECT_NE(error.message.find("chunk 1"), std::string::npos) << error.message;
    EXPECT_EQ(released, plain.substr(0, k_chunk_bytes));  // only what authenticated

    std::string header_flip = sealed;
    header_flip[30] = header_flip[30] == 'A' ? 'B' : 'A';  // inside the stanza's share
    decrypt_all({a}, header_flip, ok, error);
    EXPECT_FALSE(ok);
    EXPECT_NE(error.failure, Failure::none);

    const std::string cut = sealed.substr(0, sealed.size() - 100);
    EXPECT_EQ(decrypt_all({a}, cut, ok, error).size(), 2 * k_chunk_bytes);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error.failure, Failure::payload);
    EXPECT_NE(error.message.find("byte offset"), std::string::npos) << error.message;
}

// Found by fuzz_age: the failure kind did not depend on the file alone, and header_done() was
// true for a file that failed in its header.
TEST(Age, ArmorIsToldApartInAnyPiecesAndHeaderDoneMeansOpened) {
    const std::string armored = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n";
    for (size_t piece : {1, 3, 4, 5, 64}) {
        bool ok = true;
        DecryptError error;
        decrypt_all({generate_identity()}, armored, ok, error, piece);
        EXPECT_FALSE(ok);
        EXPECT_EQ(error.failure, Failure::armor) << "pieces of " << piece;
    }
    for (std::string_view file : {std::string_view(), std::string_view("---"),
                                  std::string_view("not age"), std::string_view(k_magic)}) {
        Decryptor d({generate_identity()}, [](std::string_view) { return 0; });
        d.feed(file);
        EXPECT_FALSE(d.finish());
        EXPECT_EQ(d.error().failure, Failure::header) << file;
        EXPECT_FALSE(d.header_done()) << file;
    }
    const Identity a = generate_identity();
    std::string cut = encrypt_all({a.recipient()}, "payload");
    cut.resize(cut.size() - 1);
    Decryptor d({a}, [](std::string_view) { return 0; });
    d.feed(cut);
    EXPECT_FALSE(d.finish());
    EXPECT_EQ(d.error().failure, Failure::payload);
    EXPECT_TRUE(d.header_done());
}

TEST(Age, HugeHeaderIsRefusedWithoutBuffering) {
    std::string file(k_magic);
    file += "-> grease\n";
    file.append(2 * k_max_header_bytes, 'A');
    bool ok = true;
    DecryptError error;
    decrypt_all({generate_identity()}, file, ok, error, 1 << 16);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error.failure, Failure::header);
}

// ---- CCTV vectors --------------------------------------------------------------------------

std::filesystem::path vectors_dir() {
    return std::filesystem::path(IRSNAP_AGE_VECTORS_DIR);
}

struct Vector {
    std::multimap<std::string, std::string> fields;
    std::string body;
};

Vector read_vector(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    Vector v;
    size_t pos = 0;
    while (pos < all.size()) {
        const size_t nl = all.find('\n', pos);
        const std::string line = all.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty()) break;
        const size_t colon = line.find(": ");
        v.fields.emplace(line.substr(0, colon), line.substr(colon + 2));
    }
    v.body = all.substr(pos);
    auto c = v.fields.find("compressed");
    if (c != v.fields.end() && c->second == "zlib") {
        std::string out(64 << 20, '\0');
        uLongf len = out.size();
        EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(out.data()), &len,
                             reinterpret_cast<const Bytef*>(v.body.data()), v.body.size()),
                  Z_OK)
            << path;
        out.resize(len);
        v.body = out;
    }
    return v;
}

Failure expected_failure(const std::string& expect) {
    if (expect == "success") return Failure::none;
    if (expect == "no match") return Failure::no_match;
    if (expect == "HMAC failure") return Failure::hmac;
    if (expect == "header failure") return Failure::header;
    if (expect == "payload failure") return Failure::payload;
    return Failure::armor;
}

TEST(AgeVectors, EveryX25519VectorBehavesAsItsExpectLineSays) {
    if (!std::filesystem::is_directory(vectors_dir())) {
        if (const char* r = std::getenv("IRSNAP_REQUIRE_TOOLS"); r && std::string(r) == "1") {
            FAIL() << "age test vectors missing at " << vectors_dir();
        }
        GTEST_SKIP() << "age test vectors not found at " << vectors_dir();
    }
    size_t run = 0;
    std::vector<std::string> skipped;
    for (const auto& entry : std::filesystem::directory_iterator(vectors_dir())) {
        const std::string name = entry.path().filename().string();
        if (name == "README.md") continue;
        const Vector v = read_vector(entry.path());
        std::vector<Identity> ids;
        bool foreign = v.fields.count("armored") != 0;
        for (auto [it, end] = v.fields.equal_range("identity"); it != end; ++it) {
            std::string error;
            auto id = parse_identity(it->second, error);
            if (!id)
                foreign = true;  // a hybrid (post-quantum) identity
            else
                ids.push_back(*id);
        }
        // Passphrase-only (scrypt) vectors: irsnap has no passphrase recipients.
        if (ids.empty() && v.fields.count("passphrase") != 0) foreign = true;
        if (foreign) {
            skipped.push_back(name);
            continue;
        }
        ++run;
        bool ok = false;
        DecryptError error;
        const std::string released = decrypt_all(ids, v.body, ok, error, 8191);
        const std::string expect = v.fields.find("expect")->second;
        const Failure want = expected_failure(expect);
        EXPECT_EQ(error.failure, want) << name << ": " << error.message;
        if (want == Failure::payload) {
            EXPECT_FALSE(error.message.empty()) << name;
        }
        EXPECT_EQ(ok, want == Failure::none) << name;
        if (want == Failure::none || want == Failure::payload) {
            EXPECT_EQ(sha256_hex(released), v.fields.find("payload")->second) << name;
        } else {
            EXPECT_TRUE(released.empty()) << name;
        }
    }
    // The skipped set is exactly: armored files, scrypt (passphrase) and hybrid (ML-KEM) keys.
    for (const auto& name : skipped) {
        EXPECT_TRUE(name.rfind("armor_", 0) == 0 || name.rfind("scrypt", 0) == 0 ||
                    name.rfind("hybrid", 0) == 0)
            << name;
    }
    EXPECT_GE(run, 68u);
}

}  // namespace
}  // namespace irsnap::age
