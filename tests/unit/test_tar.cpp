// SPDX-License-Identifier: Apache-2.0
// The tar writer's header bytes against literal expectations (the checksum below is the one
// Python's tarfile writes for the same member), and the streaming reader on what it wrote.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "irsnap/tar_reader.hpp"
#include "irsnap/tar_writer.hpp"

namespace irsnap {
namespace {

std::string field(const std::string& header, size_t offset, size_t width) {
    return header.substr(offset, width);
}

TEST(TarWriter, OctalFieldsArePaddedAndNulTerminated) {
    EXPECT_EQ(tar_octal(0600, 8), std::string("0000600\0", 8));
    EXPECT_EQ(tar_octal(0, 12), std::string("00000000000\0", 12));
    EXPECT_EQ(tar_octal(k_tar_max_octal_size, 12), std::string("77777777777\0", 12));
    EXPECT_EQ(tar_octal(k_tar_max_octal_size + 1, 12), "");  // 8 GiB needs a pax record
    EXPECT_EQ(tar_octal(8, 2), "");
}

TEST(TarWriter, UstarHeaderFieldsAndChecksum) {
    TarEntry e{"a", 5, 0644, 0, 0, 0, '0'};
    const std::string h = tar_member_header(e);
    ASSERT_EQ(h.size(), 512u);
    EXPECT_EQ(field(h, 0, 2), std::string("a\0", 2));
    EXPECT_EQ(field(h, 100, 8), std::string("0000644\0", 8));
    EXPECT_EQ(field(h, 124, 12), std::string("00000000005\0", 12));
    EXPECT_EQ(field(h, 148, 8), std::string("006103\0 ", 8));
    EXPECT_EQ(h[156], '0');
    EXPECT_EQ(field(h, 257, 8), std::string("ustar\0"
                                            "00",
                                            8));
    EXPECT_EQ(field(h, 345, 1), std::string("\0", 1));  // no prefix
}

TEST(TarWriter, LongNameSplitsIntoPrefixAndName) {
    const std::string dir(120, 'd');
    const std::string name = dir + "/artifacts/01_system.jsonl";
    std::string prefix, base;
    ASSERT_TRUE(tar_split_name(name, prefix, base));
    EXPECT_EQ(prefix, dir + "/artifacts");
    EXPECT_EQ(base, "01_system.jsonl");
    const std::string h = tar_member_header({name, 1, 0600, 0, 0, 0, '0'});
    ASSERT_EQ(h.size(), 512u);  // no pax needed
    EXPECT_EQ(h.substr(0, 16), std::string("01_system.jsonl\0", 16));
    EXPECT_EQ(h.substr(345, dir.size() + 10), dir + "/artifacts");
}

TEST(TarWriter, NameThatCannotSplitGetsAPaxPathRecord) {
    EXPECT_EQ(tar_pax_record("path", "a"), "9 path=a\n");
    // The length counts its own digits: 97 bytes + "99" = 99, but 98 bytes + "100" = 101.
    EXPECT_EQ(tar_pax_record("path", std::string(90, 'x')).substr(0, 3), "99 ");
    EXPECT_EQ(tar_pax_record("path", std::string(90, 'x')).size(), 99u);
    EXPECT_EQ(tar_pax_record("path", std::string(91, 'x')).substr(0, 4), "101 ");
    EXPECT_EQ(tar_pax_record("path", std::string(91, 'x')).size(), 101u);
    const std::string base(150, 'b');  // longer than ustar's 100-byte name: no split helps
    const std::string name = "top/" + base;
    std::string prefix, rest;
    EXPECT_FALSE(tar_split_name(name, prefix, rest));
    const std::string h = tar_member_header({name, 3, 0600, 0, 0, 0, '0'});
    ASSERT_EQ(h.size(), 3 * 512u);  // pax header, pax data, ustar header
    EXPECT_EQ(h[156], 'x');
    const std::string record = tar_pax_record("path", name);
    EXPECT_EQ(h.substr(512, record.size()), record);
    EXPECT_EQ(field(h, 124, 12), tar_octal(record.size(), 12));
    EXPECT_EQ(h[1024 + 156], '0');
}

TEST(TarWriter, SizeOfEightGibibytesGoesIntoPax) {
    const uint64_t size = k_tar_max_octal_size + 1;
    const std::string h = tar_member_header({"top/big", size, 0600, 0, 0, 0, '0'});
    ASSERT_EQ(h.size(), 3 * 512u);
    EXPECT_EQ(h.substr(512, 19), "19 size=8589934592\n");
    EXPECT_EQ(field(h, 1024 + 124, 12), std::string("00000000000\0", 12));
}

TEST(TarWriter, PaddingAndEnd) {
    EXPECT_EQ(tar_padding(0).size(), 0u);
    EXPECT_EQ(tar_padding(1).size(), 511u);
    EXPECT_EQ(tar_padding(512).size(), 0u);
    EXPECT_EQ(tar_end_of_archive(), std::string(1024, '\0'));
}

struct Collected : TarVisitor {
    std::vector<TarMember> members;
    std::vector<std::string> contents;
    int ended = 0;
    void begin(const TarMember& m) override {
        members.push_back(m);
        contents.emplace_back();
    }
    void data(std::string_view b) override { contents.back().append(b); }
    void end() override { ++ended; }
};

std::string add(const std::string& name, const std::string& content, char type = '0') {
    return tar_member_header({name, content.size(), 0600, 1700000000, 0, 0, type}) + content +
           tar_padding(content.size());
}

std::string sample_tar() {
    return add("top/", "", '5') + add("top/artifacts/01_a.jsonl", "{\"x\":1}\n") +
           add("top/" + std::string(130, 'n') + ".jsonl", std::string(700, 'z')) +
           add("top/manifest.json", "{}\n") + tar_end_of_archive();
}

TEST(TarReader, RoundTripInOneFeedAndByteByByte) {
    const std::string tar = sample_tar();
    for (size_t step : {tar.size(), size_t{1}, size_t{511}}) {
        Collected c;
        TarReader reader(c);
        for (size_t i = 0; i < tar.size(); i += step)
            reader.feed(std::string_view(tar).substr(i, step));
        const TarEnd& end = reader.finish();
        EXPECT_TRUE(end.end_marker) << step << ": " << end.describe();
        EXPECT_EQ(end.error, "");
        ASSERT_EQ(c.members.size(), 4u) << step;
        EXPECT_EQ(c.members[0].typeflag, '5');
        EXPECT_EQ(c.members[1].name, "top/artifacts/01_a.jsonl");
        EXPECT_EQ(c.contents[1], "{\"x\":1}\n");
        EXPECT_EQ(c.members[1].mtime, 1700000000);
        EXPECT_EQ(c.members[1].mode, 0600u);
        EXPECT_EQ(c.members[2].name, "top/" + std::string(130, 'n') + ".jsonl");  // via pax
        EXPECT_EQ(c.contents[2], std::string(700, 'z'));
        EXPECT_EQ(c.members[3].name, "top/manifest.json");
        EXPECT_EQ(c.ended, 4);
        EXPECT_EQ(end.members, 4u);
        EXPECT_EQ(end.last_complete, "top/manifest.json");
    }
}

TEST(TarReader, TruncationIsReportedWithTheLastCompleteMember) {
    const std::string tar = sample_tar();
    const std::string long_name = "top/" + std::string(130, 'n') + ".jsonl";
    // Offsets: dir header 0-511, 01_a header 512, data 1024 (8 bytes, padded to 1536),
    // pax header 1536, pax data 2048, long member header 2560, data 3072-3771, padding to 3584+512.
    struct Case {
        size_t cut;
        std::string last;
        std::string cut_in;
        uint64_t arrived;
    };
    const std::vector<Case> cases = {
        {0, "", "", 0},
        {300, "", "", 0},                               // inside the first header
        {700, "top/", "", 0},                           // inside the second header
        {1028, "top/", "top/artifacts/01_a.jsonl", 4},  // inside data
        {1100, "top/artifacts/01_a.jsonl", "", 0},      // inside padding: the data is whole
        {2100, "top/artifacts/01_a.jsonl", "", 0},      // inside the pax record
        {3072 + 100, "top/artifacts/01_a.jsonl", long_name, 100},
        {tar.size() - 1024, "top/manifest.json", "", 0},  // no end-of-archive marker
        {tar.size() - 100, "top/manifest.json", "", 0},
    };
    for (const auto& k : cases) {
        Collected c;
        TarReader reader(c);
        reader.feed(std::string_view(tar).substr(0, k.cut));
        const TarEnd& end = reader.finish();
        EXPECT_FALSE(end.end_marker) << k.cut;
        EXPECT_TRUE(end.truncated()) << k.cut;
        EXPECT_EQ(end.offset, k.cut);
        EXPECT_EQ(end.last_complete, k.last) << k.cut;
        EXPECT_EQ(end.cut_in, k.cut_in) << k.cut;
        EXPECT_EQ(end.cut_member_bytes, k.arrived) << k.cut;
        EXPECT_NE(end.describe().find("byte " + std::to_string(k.cut)), std::string::npos)
            << end.describe();
    }
}

TEST(TarReader, DamagedHeaderIsAnErrorAtItsOffset) {
    std::string tar = sample_tar();
    tar[512 + 10] ^= 1;  // the second header's name: the checksum no longer matches
    Collected c;
    TarReader reader(c);
    EXPECT_FALSE(reader.feed(tar));
    const TarEnd& end = reader.finish();
    EXPECT_EQ(end.error, "header checksum mismatch");
    EXPECT_EQ(end.offset, 512u);
    EXPECT_EQ(end.last_complete, "top/");
    EXPECT_FALSE(end.truncated());
}

TEST(TarReader, BadPaxRecordsAreErrorsNotCrashes) {
    for (const std::string records :
         {"5 path=x\n", "99 path=x\n", "x path=a\n", "8 pathx\n", "13 size=12a4\n"}) {
        TarEntry e{"PaxHeaders/x", records.size(), 0600, 0, 0, 0, 'x'};
        std::string tar = tar_member_header(e) + records + tar_padding(records.size()) +
                          add("top/x", "abc") + tar_end_of_archive();
        Collected c;
        TarReader reader(c);
        reader.feed(tar);
        EXPECT_NE(reader.finish().error, "") << records;
    }
}

}  // namespace
}  // namespace irsnap
