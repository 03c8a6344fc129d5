// SPDX-License-Identifier: Apache-2.0
// Shell link (.lnk) target parsing over a link built byte by byte from the MS-SHLLINK layout.
#include <gtest/gtest.h>

#include "irsnap/windows/win_lnk.hpp"

using namespace irsnap::autoruns_win;
using namespace std::string_literals;

namespace {

void put32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put16(std::string& s, uint16_t v) {
    s.push_back(static_cast<char>(v & 0xFF));
    s.push_back(static_cast<char>(v >> 8));
}
std::string utf16(std::string_view ascii) {
    std::string out;
    for (char c : ascii) {
        out.push_back(c);
        out.push_back('\0');
    }
    return out;
}

std::string header(uint32_t flags) {
    std::string h;
    put32(h, 0x4C);
    h += "\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46"s;
    put32(h, flags);
    h.resize(0x4C, '\0');
    return h;
}

/// LinkInfo with an ANSI LocalBasePath (header size 0x1C).
std::string link_info(std::string_view base) {
    std::string body;
    const uint32_t header_size = 0x1C;
    const uint32_t volume_at = header_size, base_at = volume_at + 0x10;
    std::string volume(0x10, '\0');
    volume[0] = 0x10;
    const uint32_t suffix_at = base_at + static_cast<uint32_t>(base.size()) + 1;
    const uint32_t size = suffix_at + 1;
    put32(body, size);
    put32(body, header_size);
    put32(body, 1);  // VolumeIDAndLocalBasePath
    put32(body, volume_at);
    put32(body, base_at);
    put32(body, 0);
    put32(body, suffix_at);
    body += volume;
    body += std::string(base) + '\0';
    body += '\0';  // empty CommonPathSuffix
    return body;
}

}  // namespace

TEST(WinLnk, LocalBasePathAndUnicodeStrings) {
    // HasLinkTargetIDList | HasLinkInfo | HasArguments | HasWorkingDir | IsUnicode
    std::string lnk = header(0x01 | 0x02 | 0x10 | 0x20 | 0x80);
    put16(lnk, 4);
    lnk += "\x02\x00\x00\x00"s;  // an id list of 4 bytes, skipped
    lnk += link_info("C:\\Tools\\agent.exe");
    put16(lnk, 8);
    lnk += utf16("C:\\Tools");
    put16(lnk, 5);
    lnk += utf16("-q -d");
    put32(lnk, 0);  // terminal block
    auto l = parse_shell_link(lnk);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->error, "");
    EXPECT_EQ(l->target, "C:\\Tools\\agent.exe");
    EXPECT_TRUE(l->target_is_ansi);
    EXPECT_EQ(l->working_dir, "C:\\Tools");
    EXPECT_EQ(l->arguments, "-q -d");
}

TEST(WinLnk, EnvironmentBlockTarget) {
    std::string lnk = header(0x80);
    std::string block;
    put32(block, 0x314);
    put32(block, 0xA0000001);
    block += std::string(260, '\0');
    std::string wide = utf16("%windir%\\x.exe");
    wide.resize(520, '\0');
    block += wide;
    lnk += block;
    auto l = parse_shell_link(lnk);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->env_target, "%windir%\\x.exe");
    EXPECT_EQ(l->target, "");
}

TEST(WinLnk, RejectsAndTruncations) {
    EXPECT_FALSE(parse_shell_link(""));
    EXPECT_FALSE(parse_shell_link(std::string(0x4C, '\0')));
    std::string lnk = header(0x02);
    put32(lnk, 0x1000);  // LinkInfo larger than the file
    auto l = parse_shell_link(lnk);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->error, "truncated in the link info");
    lnk = header(0x20 | 0x80);
    put16(lnk, 100);  // 100 characters announced, none there
    EXPECT_EQ(parse_shell_link(lnk)->error, "truncated in the string data");
}
