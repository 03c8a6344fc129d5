// SPDX-License-Identifier: Apache-2.0
// UTF-16 <-> UTF-8: every name Windows gives us passes through here on its way into a record.
#include <gtest/gtest.h>

#include "irsnap/windows/win_text.hpp"

namespace irsnap::win {
namespace {

TEST(WinText, AsciiAndBmpRoundTrip) {
    const std::wstring wide = L"C:\\Users\\J\u00f6rg\\\u65e5\u672c\\a.txt";
    const std::string utf8 = to_utf8(wide);
    EXPECT_EQ(utf8, "C:\\Users\\J\xc3\xb6rg\\\xe6\x97\xa5\xe6\x9c\xac\\a.txt");
    EXPECT_EQ(to_wide(utf8), wide);
    EXPECT_FALSE(utf16_has_unpaired_surrogate(wide));
}

TEST(WinText, SurrogatePairBecomesOneFourByteSequence) {
    const std::wstring wide = {0xD83D, 0xDE00};  // U+1F600
    EXPECT_EQ(to_utf8(wide), "\xf0\x9f\x98\x80");
    EXPECT_EQ(to_wide("\xf0\x9f\x98\x80"), wide);
}

TEST(WinText, UnpairedSurrogatesBecomeReplacementAndAreReported) {
    const std::wstring lone_high = {L'a', 0xD800, L'b'};
    const std::wstring lone_low = {0xDC00};
    const std::wstring reversed = {0xDC00, 0xD800};
    EXPECT_EQ(to_utf8(lone_high),
              "a\xef\xbf\xbd"
              "b");
    EXPECT_EQ(to_utf8(lone_low), "\xef\xbf\xbd");
    EXPECT_EQ(to_utf8(reversed), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_TRUE(utf16_has_unpaired_surrogate(lone_high));
    EXPECT_TRUE(utf16_has_unpaired_surrogate(lone_low));
    EXPECT_TRUE(utf16_has_unpaired_surrogate(reversed));
}

TEST(WinText, InvalidUtf8BecomesReplacementCharacters) {
    EXPECT_EQ(to_wide("a\xff"
                      "b"),
              (std::wstring{L'a', 0xFFFD, L'b'}));
    EXPECT_EQ(to_wide("\xc3"), std::wstring(1, wchar_t(0xFFFD)));  // truncated sequence
    EXPECT_EQ(to_wide("\xed\xa0\x80").find(wchar_t(0xD800)), std::wstring::npos);  // no surrogate
    EXPECT_EQ(to_wide("\xc0\xaf").find(L'/'), std::wstring::npos);                 // overlong '/'
}

TEST(WinText, EmbeddedNulAndEmptyStringsSurvive) {
    EXPECT_EQ(to_utf8(std::wstring_view(L"a\0b", 3)), std::string("a\0b", 3));
    EXPECT_EQ(to_wide(std::string_view("a\0b", 3)), std::wstring(L"a\0b", 3));
    EXPECT_EQ(to_utf8(L""), "");
    EXPECT_EQ(to_wide(""), L"");
}

}  // namespace
}  // namespace irsnap::win
