// SPDX-License-Identifier: Apache-2.0
// Unit tests for irsnap/text.hpp: UTF-8 validation, the reversible byte escaping used for argv,
// paths and names, and hex.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "irsnap/text.hpp"

using irsnap::escape_bytes;
using irsnap::is_valid_utf8;
using irsnap::to_hex;
using irsnap::unescape_bytes;
using namespace std::string_literals;

namespace {

/// Generic UTF-8 encoder of any value < 2^21 in `len` bytes (no validity rules: it also makes
/// surrogates and overlong forms on purpose).
std::string encode(uint32_t cp, int len) {
    std::string s;
    switch (len) {
        case 1:
            s += static_cast<char>(cp);
            break;
        case 2:
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3F));
            break;
        case 3:
            s += static_cast<char>(0xE0 | (cp >> 12));
            s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
            break;
        default:
            s += static_cast<char>(0xF0 | (cp >> 18));
            s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
            break;
    }
    return s;
}

int shortest_length(uint32_t cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/// Escapes and checks every promise of escape_bytes / unescape_bytes for one input.
void check_round_trip(const std::string& in) {
    bool escaped = false;
    std::string out = escape_bytes(in, escaped);
    EXPECT_EQ(escaped, !is_valid_utf8(in)) << testing::PrintToString(in);
    EXPECT_TRUE(is_valid_utf8(out)) << testing::PrintToString(in);
    if (escaped) {
        EXPECT_EQ(unescape_bytes(out), in) << testing::PrintToString(in);
    } else {
        EXPECT_EQ(out, in) << testing::PrintToString(in);
    }
}

}  // namespace

// ---- is_valid_utf8 ---------------------------------------------------------------------------

TEST(IsValidUtf8, AsciiAndEmpty) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("hello, world /usr/bin/bash -c 'x'"));
    EXPECT_TRUE(is_valid_utf8("a\0b"s));  // NUL is a valid code point
    EXPECT_TRUE(is_valid_utf8("\x7f"));
    std::string all_ascii;
    for (int c = 0; c < 0x80; ++c) all_ascii += static_cast<char>(c);
    EXPECT_TRUE(is_valid_utf8(all_ascii));
}

TEST(IsValidUtf8, MultiByte) {
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));          // é U+00E9
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));      // € U+20AC
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));  // 😀 U+1F600
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xa7"));
    // Boundaries of each length.
    EXPECT_TRUE(is_valid_utf8("\xc2\x80"));          // U+0080
    EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));          // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));      // U+0800
    EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000, just above
    EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));      // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));  // U+10000
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(IsValidUtf8, Overlong) {
    EXPECT_FALSE(is_valid_utf8("\xc0\x80"));  // NUL in 2 bytes
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));  // '/' in 2 bytes (path traversal classic)
    EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // '/' in 3 bytes
    EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));      // U+07FF in 3 bytes
    EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\xaf"));  // '/' in 4 bytes
    EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));  // U+FFFF in 4 bytes
}

TEST(IsValidUtf8, Surrogates) {
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // U+D800
    EXPECT_FALSE(is_valid_utf8("\xed\xad\xbf"));  // U+DB7F
    EXPECT_FALSE(is_valid_utf8("\xed\xb0\x80"));  // U+DC00
    EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));  // U+DFFF
    // CESU-8 style surrogate pair for U+1F600.
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\xbd\xed\xb8\x80"));
}

TEST(IsValidUtf8, AboveMaxCodePoint) {
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xf7\xbf\xbf\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));      // old 5-byte form
    EXPECT_FALSE(is_valid_utf8("\xfc\x84\x80\x80\x80\x80"));  // old 6-byte form
    EXPECT_FALSE(is_valid_utf8("\xfe"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(IsValidUtf8, Truncated) {
    EXPECT_FALSE(is_valid_utf8("\xc3"));
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));
    EXPECT_FALSE(is_valid_utf8("abc\xe2"));
    EXPECT_FALSE(
        is_valid_utf8("\xe2\x82"
                      "A"));  // cut short by an ASCII byte
    EXPECT_FALSE(is_valid_utf8("\xc3\xc3\xa9"));
}

TEST(IsValidUtf8, StrayContinuationBytes) {
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("\xbf"));
    EXPECT_FALSE(is_valid_utf8("a\x80z"));
    EXPECT_FALSE(is_valid_utf8("\xc3\xa9\xa9"));  // one continuation too many
}

TEST(IsValidUtf8, EverySingleByte) {
    for (int b = 0; b < 256; ++b) {
        EXPECT_EQ(is_valid_utf8(std::string(1, static_cast<char>(b))), b < 0x80) << b;
    }
}

TEST(IsValidUtf8, EveryCodePointInEveryLength) {
    // The shortest form of each code point is valid unless it is a surrogate; every longer form
    // (overlong) is invalid.
    for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        const int shortest = shortest_length(cp);
        ASSERT_EQ(is_valid_utf8(encode(cp, shortest)), !surrogate) << std::hex << cp;
        for (int len = shortest + 1; len <= 4; ++len) {
            ASSERT_FALSE(is_valid_utf8(encode(cp, len))) << std::hex << cp << " len " << len;
        }
    }
    // Four-byte forms above U+10FFFF up to what the lead byte F7 can hold.
    for (uint32_t cp = 0x110000; cp < 0x200000; cp += 0x1001) {
        ASSERT_FALSE(is_valid_utf8(encode(cp, 4))) << std::hex << cp;
    }
}

// ---- escape_bytes / unescape_bytes -----------------------------------------------------------

TEST(EscapeBytes, ValidUtf8Unchanged) {
    for (const std::string& s : {""s, "plain"s, "C:\\path\\x41"s, "\\\\"s, "caf\xc3\xa9"s,
                                 "\xf0\x9f\x98\x80 \\xff"s, "a\0b"s, "\x7f\x01\n\t"s}) {
        bool escaped = true;
        EXPECT_EQ(escape_bytes(s, escaped), s);
        EXPECT_FALSE(escaped) << testing::PrintToString(s);
    }
}

TEST(EscapeBytes, InvalidBytesBecomeHex) {
    bool escaped = false;
    EXPECT_EQ(escape_bytes("\xff", escaped), "\\xff");
    EXPECT_TRUE(escaped);
    EXPECT_EQ(escape_bytes("a\x80z", escaped), "a\\x80z");
    EXPECT_TRUE(escaped);
    EXPECT_EQ(escape_bytes("\x00\xfe"s, escaped), "\x00\\xfe"s);
    EXPECT_TRUE(escaped);
    // Each byte of an overlong or surrogate sequence is escaped on its own.
    EXPECT_EQ(escape_bytes("\xc0\x80", escaped), "\\xc0\\x80");
    EXPECT_EQ(escape_bytes("\xed\xa0\x80", escaped), "\\xed\\xa0\\x80");
    // A truncated sequence before a valid one.
    EXPECT_EQ(escape_bytes("\xe2\x82"
                           "A",
                           escaped),
              "\\xe2\\x82A");
}

TEST(EscapeBytes, ValidSequencesKeptInsideEscapedText) {
    bool escaped = false;
    EXPECT_EQ(escape_bytes("caf\xc3\xa9\xff", escaped), "caf\xc3\xa9\\xff");
    EXPECT_TRUE(escaped);
    EXPECT_EQ(escape_bytes("\xf0\x9f\x98\x80\x80", escaped), "\xf0\x9f\x98\x80\\x80");
    EXPECT_TRUE(escaped);
}

TEST(EscapeBytes, BackslashesEscapedOnlyWhenEscaping) {
    bool escaped = false;
    EXPECT_EQ(escape_bytes("a\\b\xff", escaped), "a\\\\b\\xff");
    EXPECT_TRUE(escaped);
    // A literal "\x41" in the input must not turn into 'A' on the way back.
    std::string in = "\\x41\xff";
    std::string out = escape_bytes(in, escaped);
    EXPECT_EQ(out, "\\\\x41\\xff");
    EXPECT_EQ(unescape_bytes(out), in);
    in = "\\\\\xff\\";
    out = escape_bytes(in, escaped);
    EXPECT_EQ(out, "\\\\\\\\\\xff\\\\");
    EXPECT_EQ(unescape_bytes(out), in);
}

TEST(UnescapeBytes, Forms) {
    EXPECT_EQ(unescape_bytes(""), "");
    EXPECT_EQ(unescape_bytes("plain"), "plain");
    EXPECT_EQ(unescape_bytes("\\xff"), "\xff");
    EXPECT_EQ(unescape_bytes("\\xFF\\xAb"), "\xff\xab");
    EXPECT_EQ(unescape_bytes("\\x00"), "\0"s);
    EXPECT_EQ(unescape_bytes("\\\\"), "\\");
    EXPECT_EQ(unescape_bytes("\\\\xff"), "\\xff");
    // Incomplete or unknown escapes are left as they are.
    EXPECT_EQ(unescape_bytes("a\\"), "a\\");
    EXPECT_EQ(unescape_bytes("\\x"), "\\x");
    EXPECT_EQ(unescape_bytes("\\x4"), "\\x4");
    EXPECT_EQ(unescape_bytes("\\xzz"), "\\xzz");
    EXPECT_EQ(unescape_bytes("\\n"), "\\n");
}

TEST(EscapeRoundTrip, EverySingleByte) {
    for (int b = 0; b < 256; ++b) {
        const std::string in(1, static_cast<char>(b));
        bool escaped = false;
        std::string out = escape_bytes(in, escaped);
        EXPECT_EQ(escaped, b >= 0x80) << b;
        if (escaped) {
            static constexpr char k_hex[] = "0123456789abcdef";
            EXPECT_EQ(out, std::string("\\x") + k_hex[b >> 4] + k_hex[b & 0xF]) << b;
        }
        check_round_trip(in);
        // And the byte inside text, next to a backslash and an invalid byte.
        check_round_trip("x" + in + "\\\xff");
        check_round_trip("\\" + in + "\x80" + in);
    }
}

TEST(EscapeRoundTrip, EveryBytePair) {
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            std::string in{static_cast<char>(a), static_cast<char>(b)};
            bool escaped = false;
            std::string out = escape_bytes(in, escaped);
            ASSERT_EQ(escaped, !is_valid_utf8(in)) << a << "," << b;
            ASSERT_TRUE(is_valid_utf8(out)) << a << "," << b;
            ASSERT_EQ(escaped ? unescape_bytes(out) : out, in) << a << "," << b;
        }
    }
}

TEST(EscapeRoundTrip, HandPickedStrings) {
    for (const std::string& s : {""s,
                                 "\\"s,
                                 "\\\\"s,
                                 "\\x"s,
                                 "\\x4"s,
                                 "\\x41"s,
                                 "\\\xff"s,
                                 "\xff\\"s,
                                 "\xff\\x41"s,
                                 "\\xff\xff"s,
                                 "\\\\xff\x80"s,
                                 "\xc3"s,
                                 "\xc3\xa9"s,
                                 "\xc3\\\xa9"s,
                                 "\xed\xa0\x80"s,
                                 "\xf4\x90\x80\x80"s,
                                 "\xf0\x9f\x98"s,
                                 "\xf0\x9f\x98\x80\xf0"s,
                                 "/tmp/\xff\xfe.sh"s,
                                 "a\0\xff\0b"s}) {
        check_round_trip(s);
    }
    check_round_trip(std::string(1000, '\xff'));
    std::string backslashes(1000, '\\');
    backslashes.push_back('\x80');
    check_round_trip(backslashes);
}

TEST(EscapeRoundTrip, RandomStrings) {
    // Fixed seed: deterministic. The alphabet is skewed towards the bytes that matter.
    std::mt19937 rng(20240601);
    const std::string interesting = "\\x0aF\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\xff\xc0";
    std::uniform_int_distribution<int> len_dist(0, 48);
    std::uniform_int_distribution<int> pick(0, 3);
    std::uniform_int_distribution<int> any_byte(0, 255);
    std::uniform_int_distribution<size_t> interesting_byte(0, interesting.size() - 1);
    for (int n = 0; n < 20000; ++n) {
        std::string s;
        int len = len_dist(rng);
        for (int i = 0; i < len; ++i) {
            s += pick(rng) == 0 ? static_cast<char>(any_byte(rng))
                                : interesting[interesting_byte(rng)];
        }
        check_round_trip(s);
        if (HasFailure()) break;
    }
}

// ---- to_hex ----------------------------------------------------------------------------------

TEST(ToHex, Values) {
    EXPECT_EQ(to_hex(nullptr, 0), "");
    const unsigned char bytes[] = {0x00, 0x01, 0x0f, 0x10, 0xab, 0xff};
    EXPECT_EQ(to_hex(bytes, sizeof bytes), "00010f10abff");
    EXPECT_EQ(to_hex(bytes, 1), "00");
}

TEST(ToHex, EveryByte) {
    std::vector<unsigned char> all(256);
    for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<unsigned char>(i);
    std::string hex = to_hex(all.data(), all.size());
    ASSERT_EQ(hex.size(), 512u);
    static constexpr char k_hex[] = "0123456789abcdef";
    for (int i = 0; i < 256; ++i) {
        EXPECT_EQ(hex[2 * static_cast<size_t>(i)], k_hex[i >> 4]) << i;
        EXPECT_EQ(hex[2 * static_cast<size_t>(i) + 1], k_hex[i & 0xF]) << i;
    }
    // Round trip with unescape_bytes' \x form.
    std::string as_escapes;
    for (size_t i = 0; i < hex.size(); i += 2) as_escapes += "\\x" + hex.substr(i, 2);
    EXPECT_EQ(unescape_bytes(as_escapes), std::string(all.begin(), all.end()));
}

TEST(ToHex, Sha256OfEmptyIsLowerCase) {
    // The well-known SHA-256 of "" as bytes; to_hex must give the usual lower-case spelling.
    const unsigned char digest[] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
                                    0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
                                    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
                                    0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    EXPECT_EQ(to_hex(digest, sizeof digest),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
