// SPDX-License-Identifier: Apache-2.0
// Registry value decoding from raw bytes: terminators, odd lengths, sizes that do not match
// the type, and binary data as hex.
#include <gtest/gtest.h>

#include "irsnap/windows/win_reg_value.hpp"

using namespace irsnap::autoruns_win;
using namespace std::string_literals;

namespace {

/// ASCII text as UTF-16LE bytes (what the registry stores).
std::string utf16(std::string_view ascii) {
    std::string out;
    for (char c : ascii) {
        out.push_back(c);
        out.push_back('\0');
    }
    return out;
}

}  // namespace

TEST(WinRegValue, StringWithTerminator) {
    auto v = decode_reg_value(k_reg_sz, utf16("C:\\x.exe /y") + "\0\0"s);
    EXPECT_EQ(v.type_name, "REG_SZ");
    EXPECT_EQ(v.text, "C:\\x.exe /y");
    ASSERT_EQ(v.strings.size(), 1u);
    EXPECT_EQ(v.note, "");
}

TEST(WinRegValue, StringWithoutTerminatorAndOddLength) {
    auto v = decode_reg_value(k_reg_expand_sz, utf16("%SystemRoot%\\a") + "\x41"s);
    EXPECT_EQ(v.type_name, "REG_EXPAND_SZ");
    EXPECT_EQ(v.text, "%SystemRoot%\\a");
    EXPECT_EQ(v.note, "odd data length: last byte ignored");
}

TEST(WinRegValue, DataHiddenAfterTheTerminatorIsNoted) {
    auto v = decode_reg_value(k_reg_sz, utf16("good.exe") + "\0\0"s + utf16("evil") + "\0\0"s);
    EXPECT_EQ(v.text, "good.exe");
    EXPECT_EQ(v.note, "10 byte(s) of data after the terminating NUL");
    // Extra terminators alone are not suspicious.
    EXPECT_EQ(decode_reg_value(k_reg_sz, utf16("a") + "\0\0\0\0"s).note, "");
}

TEST(WinRegValue, NonAsciiAndSurrogates) {
    // "é" U+00E9, then U+1F600 as a surrogate pair, then a lone high surrogate.
    const std::string data = "\xE9\x00"s + "\x3D\xD8\x00\xDE"s + "\x3D\xD8"s;
    auto v = decode_reg_value(k_reg_sz, data);
    EXPECT_EQ(v.text, "\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD");
}

TEST(WinRegValue, MultiStringSplitsAndSkipsEmpties) {
    auto v = decode_reg_value(k_reg_multi_sz,
                              utf16("autocheck autochk *") + "\0\0"s + utf16("x") + "\0\0\0\0"s);
    ASSERT_EQ(v.strings.size(), 2u);
    EXPECT_EQ(v.strings[0], "autocheck autochk *");
    EXPECT_EQ(v.strings[1], "x");
    EXPECT_EQ(v.text, "autocheck autochk * x");
    // No terminator at all.
    EXPECT_EQ(decode_reg_value(k_reg_multi_sz, utf16("a")).strings.size(), 1u);
    EXPECT_TRUE(decode_reg_value(k_reg_multi_sz, "").strings.empty());
}

TEST(WinRegValue, Numbers) {
    auto d = decode_reg_value(k_reg_dword, "\x02\x00\x00\x00"s);
    EXPECT_EQ(d.type_name, "REG_DWORD");
    EXPECT_EQ(d.number, 2u);
    EXPECT_EQ(d.text, "2");
    auto be = decode_reg_value(k_reg_dword_big_endian, "\x00\x00\x01\x02"s);
    EXPECT_EQ(be.number, 0x102u);
    auto q = decode_reg_value(k_reg_qword, "\x01\x00\x00\x00\x01\x00\x00\x00"s);
    EXPECT_EQ(q.number, 0x100000001u);
    auto extra = decode_reg_value(k_reg_dword, "\x01\x00\x00\x00\xFF"s);
    EXPECT_EQ(extra.number, 1u);
    EXPECT_EQ(extra.note, "5 byte(s) for a 4-byte value: extra ignored");
    auto shrt = decode_reg_value(k_reg_dword, "\x01\x02"s);
    EXPECT_FALSE(shrt.number.has_value());
    EXPECT_EQ(shrt.text, "0102");
    EXPECT_EQ(shrt.note, "2 byte(s) for a 4-byte value: shown as hex");
}

TEST(WinRegValue, BinaryAsHexTruncatedWhenHuge) {
    auto b = decode_reg_value(k_reg_binary, "\x02\x00\xAB"s);
    EXPECT_EQ(b.type_name, "REG_BINARY");
    EXPECT_EQ(b.text, "0200ab");
    auto big = decode_reg_value(k_reg_binary, std::string(k_max_hex_bytes + 10, '\x01'));
    EXPECT_EQ(big.text.size(), 2 * k_max_hex_bytes);
    EXPECT_NE(big.note.find("hex of the first 4096 only"), std::string::npos);
    EXPECT_EQ(reg_type_name(0x1234), "REG_0x1234");
}

TEST(WinRegValue, SanitizeUtf8ReplacesInvalidSequences) {
    EXPECT_EQ(sanitize_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
    EXPECT_EQ(sanitize_utf8("a\xFF"
                            "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(sanitize_utf8("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong NUL
    EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"),                           // a surrogate
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(sanitize_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
}
