// SPDX-License-Identifier: Apache-2.0
// Host and bundle text printed on the analyst's terminal: terminal_safe() for fields,
// json_terminal_safe() for JSON documents, and the CLI's print helpers built on them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "irsnap/text.hpp"
#include "safe_print.hpp"

using irsnap::json_terminal_safe;
using irsnap::terminal_safe;
using namespace std::string_literals;

namespace {

/// True when nothing in `text` is a byte a terminal acts on: no C0, DEL or raw C1 byte, and no
/// UTF-8 encoded C1 (C2 80-9F) or bidi control (E2 80 AA-AE, E2 81 A6-A9 ...).
bool inert(const std::string& text) {
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F) return false;
        if (c == 0xC2 && i + 1 < text.size()) {
            const auto n = static_cast<unsigned char>(text[i + 1]);
            if (n >= 0x80 && n <= 0x9F) return false;
        }
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
            const auto n = static_cast<unsigned char>(text[i + 2]);
            if ((n >= 0xAA && n <= 0xAE) || n == 0x8E || n == 0x8F || n == 0xA8 || n == 0xA9) {
                return false;
            }
        }
    }
    return true;
}

TEST(TerminalSafe, PlainTextAndNonAsciiLettersUnchanged) {
    EXPECT_EQ(terminal_safe("sshd: root@pts/0"), "sshd: root@pts/0");
    EXPECT_EQ(terminal_safe("C:\\Windows\\System32\\svchost.exe"),
              "C:\\Windows\\System32\\svchost.exe");
    EXPECT_EQ(terminal_safe("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"),
              "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80");
    EXPECT_EQ(terminal_safe(""), "");
}

TEST(TerminalSafe, TheReportedProcessNameCannotClearTheScreenOrSetTheTitle) {
    const std::string name = "a\033[2J\033]0;X\007b";
    EXPECT_EQ(terminal_safe(name), "a\\x1b[2J\\x1b]0;X\\x07b");
}

TEST(TerminalSafe, NewlinesTabsAndDelCannotFakeALine) {
    EXPECT_EQ(terminal_safe("x\nVERIFIED fake\r\t\x7F"), "x\\x0aVERIFIED fake\\x0d\\x09\\x7f");
    EXPECT_EQ(terminal_safe("nul\0byte"s), "nul\\x00byte");
}

TEST(TerminalSafe, C1ControlsAsUtf8AndAsRawBytes) {
    EXPECT_EQ(terminal_safe("a\xC2\x9B"
                            "2Jb"),
              "a\\u009b2Jb");  // U+009B CSI
    EXPECT_EQ(terminal_safe("\xC2\x80\xC2\x9F\xC2\xA0"), "\\u0080\\u009f\xC2\xA0");
    EXPECT_EQ(terminal_safe("a\x9B"
                            "2J"),
              "a\\x9b2J");                               // a raw 8-bit CSI
    EXPECT_EQ(terminal_safe("\xFF\xC3"), "\\xff\\xc3");  // invalid UTF-8
}

TEST(TerminalSafe, BidiOverridesAndIsolates) {
    // "evil\u202Efdp.exe" shows as "evilexe.pdf" on a terminal that honours bidi.
    EXPECT_EQ(terminal_safe("evil\xE2\x80\xAE"
                            "fdp.exe"),
              "evil\\u202efdp.exe");
    EXPECT_EQ(terminal_safe("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u2066x\\u2069");
    EXPECT_EQ(terminal_safe("\xE2\x80\x8F\xE2\x80\xA8\xD8\x9C"), "\\u200f\\u2028\\u061c");
}

TEST(TerminalSafe, EveryByteValueComesOutInert) {
    for (int b = 0; b < 256; ++b) {
        const std::string one(1, static_cast<char>(b));
        EXPECT_TRUE(inert(terminal_safe(one))) << b;
        EXPECT_TRUE(inert(terminal_safe("\xC2" + one))) << b;
        EXPECT_TRUE(inert(terminal_safe("\xE2\x80" + one))) << b;
        EXPECT_TRUE(inert(terminal_safe("\xE2\x81" + one))) << b;
    }
}

TEST(JsonTerminalSafe, EscapesC1AndBidiAndStaysTheSameJsonValue) {
    const nlohmann::json value = {{"name",
                                   "a\033]0;X\007\xC2\x9B"
                                   "b\xE2\x80\xAE"
                                   "c\xC3\xA9"}};
    const std::string dumped = value.dump();
    ASSERT_FALSE(inert(dumped));  // nlohmann leaves C1 and bidi raw
    const std::string safe = json_terminal_safe(dumped);
    EXPECT_TRUE(inert(safe)) << safe;
    EXPECT_EQ(nlohmann::json::parse(safe), value);
    EXPECT_NE(safe.find("\\u009b"), std::string::npos);
    EXPECT_NE(safe.find("\\u202e"), std::string::npos);
    EXPECT_NE(safe.find("c\xC3\xA9"), std::string::npos);  // letters stay letters
}

TEST(SafePrint, TextArgumentsAreEscapedNumbersAndTheFormatAreNot) {
    using irsnap::cli::format_safe;
    const std::string member = "artifacts/x\033[2J.jsonl";
    EXPECT_EQ(format_safe("{}: {} line {}\n", member, "missing\n", 42),
              "artifacts/x\\x1b[2J.jsonl: missing\\x0a line 42\n");
    const std::string_view view = "\xE2\x80\xAE";
    EXPECT_EQ(format_safe("[{}] {}", view, 1.5), "[\\u202e] 1.5");
}

TEST(SafePrint, JsonForTheTerminal) {
    const nlohmann::json value = {{"p", "x\xC2\x85y"}, {"bad", "\xFF"}};
    const std::string out = irsnap::cli::dump_for_terminal(value);
    EXPECT_TRUE(inert(out)) << out;
    EXPECT_EQ(nlohmann::json::parse(out)["p"], "x\xC2\x85y");
}

}  // namespace
