// SPDX-License-Identifier: Apache-2.0
// The rpm header parser (platform/linux/rpm_header.hpp) over headers assembled here byte by byte,
// lying ones included: every lie is an ItemError, never a read out of bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "irsnap/linux/rpm_header.hpp"
#include "rpm_header_builder.hpp"

using irsnap::rpm::parse_rpm_header;
using irsnap::rpm::RpmHeader;
using irsnap::test::HeaderBuilder;
using irsnap::test::k_int32;
using irsnap::test::k_string;
using irsnap::test::package;
using irsnap::test::patch;

namespace {

std::string error_of(const irsnap::Result<RpmHeader>& r) {
    return r ? std::string("(parsed)") : r.error().message;
}

}  // namespace

TEST(RpmHeader, ParsesAPackage) {
    const auto blob = package().build();
    const auto h = parse_rpm_header(blob);
    ASSERT_TRUE(h) << error_of(h);
    EXPECT_EQ(h->name, "demo");
    EXPECT_EQ(h->version, "1.0");
    EXPECT_EQ(h->release, "3.el9");
    EXPECT_EQ(h->arch, "x86_64");
    EXPECT_EQ(h->epoch, 7u);
    EXPECT_EQ(h->digest_algorithm, "sha256");
    ASSERT_EQ(h->files.size(), 3u);
    EXPECT_EQ(h->files[0].path, "/usr/bin/demo");
    EXPECT_EQ(h->files[0].digest, "aa11");
    EXPECT_EQ(h->files[0].mode, 0100755);
    EXPECT_EQ(h->files[0].flags, 0u);
    EXPECT_EQ(h->files[1].path, "/etc/demo.conf");
    EXPECT_EQ(h->files[1].flags, irsnap::rpm::k_file_config);
    EXPECT_EQ(h->files[2].path, "/etc/demo.d");
    EXPECT_EQ(h->files[2].digest, "");
    EXPECT_EQ(h->files[2].mode, 040755);
}

TEST(RpmHeader, DigestAlgorithmDefaultsToMd5AndNamesUnknownIds) {
    HeaderBuilder b;
    b.string(1000, "old")
        .strings(1027, {"/bin/old"})
        .strings(1035, {"d41d8cd98f00b204e9800998ecf8427e"});
    auto h = parse_rpm_header(b.build());
    ASSERT_TRUE(h) << error_of(h);
    EXPECT_EQ(h->digest_algorithm, "md5");
    EXPECT_FALSE(h->epoch.has_value());
    EXPECT_EQ(h->arch, "");
    for (auto [id, name] : std::map<uint32_t, std::string>{{1, "md5"},
                                                           {2, "sha1"},
                                                           {9, "sha384"},
                                                           {10, "sha512"},
                                                           {11, "sha224"},
                                                           {99, "unknown:99"}}) {
        HeaderBuilder with_algo;
        with_algo.string(1000, "p").int32s(5011, {id});
        h = parse_rpm_header(with_algo.build());
        ASSERT_TRUE(h) << error_of(h);
        EXPECT_EQ(h->digest_algorithm, name);
    }
}

TEST(RpmHeader, LegacyOldFilenamesAndNoFiles) {
    HeaderBuilder legacy;
    legacy.string(1000, "legacy").strings(1027, {"/etc/a", "/usr/b"}).int32s(1037, {1, 64});
    auto h = parse_rpm_header(legacy.without_region().build());
    ASSERT_TRUE(h) << error_of(h);
    ASSERT_EQ(h->files.size(), 2u);
    EXPECT_EQ(h->files[0].path, "/etc/a");
    EXPECT_EQ(h->files[1].flags, irsnap::rpm::k_file_ghost);

    HeaderBuilder empty;
    empty.string(1000, "gpg-pubkey").string(1001, "abcd").string(1002, "1234");
    h = parse_rpm_header(empty.build());
    ASSERT_TRUE(h) << error_of(h);
    EXPECT_TRUE(h->files.empty());
}

TEST(RpmHeader, SkipsUnknownTagsOfEveryType) {
    HeaderBuilder b;
    b.raw(1004, 9, 2, {'x', 0, 'y', 0}).raw(1044, 5, 1, {0, 0, 0, 0, 0, 0, 0, 1});
    b.raw(5000, 2, 3, {1, 2, 3}).raw(1111, 1, 1, {'c'}).string(1000, "p");
    const auto h = parse_rpm_header(b.build());
    ASSERT_TRUE(h) << error_of(h);
    EXPECT_EQ(h->name, "p");
}

TEST(RpmHeader, RejectsTruncatedAndPaddedBlobs) {
    const auto blob = package().build();
    for (size_t size = 0; size < blob.size(); ++size) {
        const auto h = parse_rpm_header(std::span(blob).first(size));
        EXPECT_FALSE(h) << "prefix of " << size << " bytes parsed";
    }
    auto padded = blob;
    padded.push_back(0);
    const auto h = parse_rpm_header(padded);
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("intro says"), std::string::npos) << h.error().message;
}

TEST(RpmHeader, RejectsLyingIntro) {
    auto blob = package().build();
    auto lie = [&](uint32_t il, uint32_t dl) {
        auto copy = blob;
        for (int k = 0; k < 4; ++k) {
            copy[k] = static_cast<uint8_t>(il >> (24 - 8 * k));
            copy[4 + k] = static_cast<uint8_t>(dl >> (24 - 8 * k));
        }
        return parse_rpm_header(copy);
    };
    const uint32_t il = static_cast<uint32_t>(blob[3]);
    const uint32_t dl = static_cast<uint32_t>(blob.size() - 8 - il * 16);
    EXPECT_TRUE(lie(il, dl));
    EXPECT_FALSE(lie(il + 1, dl));
    EXPECT_FALSE(lie(il - 1, dl));
    EXPECT_FALSE(lie(il, dl + 1));
    EXPECT_FALSE(lie(0x10000, dl));
    EXPECT_FALSE(lie(0xffffffff, dl));
    EXPECT_FALSE(lie(il, 0x10000000));
    EXPECT_FALSE(lie(il, 0xffffffff));
}

TEST(RpmHeader, RejectsLyingIndexEntries) {
    const auto good = package().build();
    const size_t data_start = 8 + static_cast<size_t>(good[3]) * 16;
    const uint32_t dl = static_cast<uint32_t>(good.size() - data_start);
    // FILEDIGESTS claiming one string more than there are NULs after its offset: each fits in
    // the bytes left, the last one runs off the end.
    const size_t digests_at =
        data_start + (size_t{good[8 + 7 * 16 + 10]} << 8) + good[8 + 7 * 16 + 11];
    const auto nuls = static_cast<uint32_t>(std::count(good.begin() + digests_at, good.end(), 0));
    // Entry 1 is NAME (a STRING), 4 EPOCH (INT32), 6 FILEMODES (INT16), 7 FILEDIGESTS.
    struct Case {
        const char* what;
        size_t entry, field;
        uint32_t value;
        const char* message;
    };
    const Case cases[] = {
        {"offset past the data", 1, 2, dl + 1, "beyond"},
        {"negative offset", 1, 2, 0xffffffff, "beyond"},
        {"misaligned int32", 4, 2, 1, "aligned"},
        {"int32 count larger than the data", 4, 3, 0x40000001, "do not fit"},
        {"int16 count wrapping 32 bits", 6, 3, 0x80000000, "do not fit"},
        {"string array count larger than the data", 7, 3, dl + 1, "cannot fit"},
        {"string array count past the last NUL", 7, 3, nuls + 1, "not NUL-terminated"},
        {"STRING count 2", 1, 3, 2, "count != 1"},
        {"count 0", 4, 3, 0, "count 0"},
        {"type 0", 1, 1, 0, "unknown type"},
        {"type 10", 1, 1, 10, "unknown type"},
        {"NAME as INT32", 1, 1, k_int32, "expected strings"},
        {"EPOCH as STRING", 4, 1, k_string, "expected type 4"},
    };
    for (const auto& c : cases) {
        auto blob = good;
        patch(blob, c.entry, c.field, c.value);
        const auto h = parse_rpm_header(blob);
        ASSERT_FALSE(h) << c.what;
        EXPECT_NE(h.error().message.find(c.message), std::string::npos)
            << c.what << ": " << h.error().message;
        EXPECT_EQ(h.error().stage, "parse");
    }
}

TEST(RpmHeader, RejectsAStringWithoutItsNul) {
    // NAME's data last and its NUL overwritten: the string runs to the end of the data.
    HeaderBuilder b;
    b.string(1000, "name");
    auto blob = b.without_region().build();
    blob.back() = 'x';
    const auto h = parse_rpm_header(blob);
    ASSERT_FALSE(h);
    EXPECT_NE(error_of(h).find("not NUL-terminated"), std::string::npos) << error_of(h);
}

TEST(RpmHeader, RejectsInconsistentFileLists) {
    const auto check = [](const HeaderBuilder& b, const std::string& expected) {
        const auto h = parse_rpm_header(b.build());
        ASSERT_FALSE(h) << expected;
        EXPECT_NE(h.error().message.find(expected), std::string::npos) << h.error().message;
    };
    HeaderBuilder base;
    base.string(1000, "p").strings(1118, {"/a/"});
    check(HeaderBuilder(base).strings(1117, {"x"}).int32s(1116, {1}), "out of range");
    check(HeaderBuilder(base).strings(1117, {"x"}).int32s(1116, {0xffffffff}), "out of range");
    check(HeaderBuilder(base).strings(1117, {"x", "y"}).int32s(1116, {0}), "DIRINDEXES has 1");
    check(HeaderBuilder().string(1000, "p").strings(1117, {"x"}), "without DIRNAMES");
    check(HeaderBuilder(base).strings(1117, {"x"}).int32s(1116, {0}).int16s(1030, {1, 2}),
          "FILEMODES has 2 entries for 1 files");
    check(HeaderBuilder(base).strings(1117, {"x"}).int32s(1116, {0}).int32s(1037, {1, 2}),
          "FILEFLAGS has 2");
    check(HeaderBuilder(base).strings(1117, {"x"}).int32s(1116, {0}).strings(1035, {}), "count 0");
    check(HeaderBuilder(base).int16s(1030, {1}), "FILEMODES has 1 entries for 0 files");
    check(HeaderBuilder(base).strings(1117, {"x"}).int32s(1116, {0}).int32s(1030, {1}),
          "expected type 3");
    check(HeaderBuilder().string(1000, "p").strings(1027, {"/x", ""}), "empty path");
    check(HeaderBuilder().string(1001, "1.0"), "no NAME");
}

TEST(RpmHeader, RefusesAPathBomb) {
    // One 4000-byte directory named by 20000 files: a 100 KB blob asking for 80 MB of paths.
    HeaderBuilder b;
    b.string(1000, "bomb").strings(1118, {"/" + std::string(3998, 'd') + "/"});
    b.strings(1117, std::vector<std::string>(20000, "f"));
    b.int32s(1116, std::vector<uint32_t>(20000, 0));
    const auto h = parse_rpm_header(b.build());
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("over 64 MiB"), std::string::npos) << h.error().message;
}

TEST(RpmHeader, EveryBitFlipIsParsedOrRefused) {
    // The parser's promise under ASan: any single-bit change is a result or an ItemError.
    const auto good = package().build();
    for (size_t bit = 0; bit < good.size() * 8; ++bit) {
        auto blob = good;
        blob[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        const auto h = parse_rpm_header(blob);
        if (h) {
            for (const auto& f : h->files) EXPECT_FALSE(f.path.empty());
        }
    }
}
