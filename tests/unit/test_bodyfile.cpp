// SPDX-License-Identifier: Apache-2.0
// The TSK bodyfile lines `irsnap export --format bodyfile` writes, from literal timeline
// records: columns, unknown values, symlinks, and names that would break the format.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "irsnap/export.hpp"

namespace irsnap::exports {
namespace {

using nlohmann::json;

TEST(Bodyfile, EscapeKeepsOrdinaryNamesAndWindowsPaths) {
    EXPECT_EQ(bodyfile_escape("/usr/bin/ls"), "/usr/bin/ls");
    EXPECT_EQ(bodyfile_escape("/home/zoë/Données"), "/home/zoë/Données");
    EXPECT_EQ(bodyfile_escape("C:\\Windows\\System32\\cmd.exe"), "C:\\Windows\\System32\\cmd.exe");
}

TEST(Bodyfile, EscapeSeparatorsControlsAndBadBytes) {
    EXPECT_EQ(bodyfile_escape("/tmp/a|b"), "/tmp/a\\x7cb");
    EXPECT_EQ(bodyfile_escape("/tmp/line\nbreak"), "/tmp/line\\x0abreak");
    EXPECT_EQ(bodyfile_escape("/tmp/cr\r\t\x1b[2J"), "/tmp/cr\\x0d\\x09\\x1b[2J");
    EXPECT_EQ(bodyfile_escape("/tmp/del\x7f"), "/tmp/del\\x7f");
    EXPECT_EQ(bodyfile_escape("/tmp/bad\xff\xc3"), "/tmp/bad\\xff\\xc3");
    EXPECT_EQ(bodyfile_escape(std::string("/tmp/nul\0x", 10)), "/tmp/nul\\x00x");
}

TEST(Bodyfile, BackslashDoubledOnlyWhereItWouldStartAnEscape) {
    EXPECT_EQ(bodyfile_escape("C:\\xampp"), "C:\\\\xampp");  // before 'x'
    EXPECT_EQ(bodyfile_escape("a\\\\b"), "a\\\\\\b");        // two: the first doubled
    EXPECT_EQ(bodyfile_escape("a\\|"), "a\\\\\\x7c");        // before an escape
    EXPECT_EQ(bodyfile_escape("end\\"), "end\\");            // last
    EXPECT_EQ(bodyfile_escape("\\x41"), "\\\\x41");          // looks like an escape
    EXPECT_EQ(bodyfile_unescape("\\\\x41"), "\\x41");
    EXPECT_EQ(bodyfile_unescape("/tmp/a\\x7cb"), "/tmp/a|b");
    EXPECT_EQ(bodyfile_unescape("C:\\Windows"), "C:\\Windows");
}

TEST(Bodyfile, EscapeRoundTripsAnyBytesAndNeverLeavesASeparator) {
    std::mt19937 rng(16);
    const std::string alphabet = std::string("\\x|\n\r\t/aZ09\xc3\xa9\xff\x80", 16);
    for (int round = 0; round < 20000; ++round) {
        std::string raw;
        const size_t n = rng() % 12;
        for (size_t i = 0; i < n; ++i) {
            raw += (rng() % 4 == 0) ? static_cast<char>(rng() % 256)
                                    : alphabet[rng() % alphabet.size()];
        }
        const std::string escaped = bodyfile_escape(raw);
        ASSERT_EQ(escaped.find('|'), std::string::npos) << escaped;
        ASSERT_EQ(escaped.find('\n'), std::string::npos) << escaped;
        ASSERT_EQ(escaped.find('\r'), std::string::npos) << escaped;
        ASSERT_EQ(bodyfile_unescape(escaped), raw) << escaped;
    }
}

TEST(Bodyfile, LinuxRecordBecomesOneLine) {
    const json r = json::parse(R"({
        "path": "/tmp/payload", "walk_root": "/tmp", "walk_scope": "all",
        "file_type": "regular", "inode": 1234, "mode": 493, "mode_string": "-rwxr-xr-x",
        "uid": 1000, "gid": 1000, "size": 8192, "links": 1,
        "atime": "2026-01-02T03:04:05.999999Z", "mtime": "2026-01-02T03:04:00.000000Z",
        "ctime": "2026-01-02T03:04:01.500000Z", "btime": null, "link_target": null})");
    EXPECT_EQ(bodyfile_line(r),
              "0|/tmp/payload|1234|-rwxr-xr-x|1000|1000|8192|1767323045|1767323040|1767323041|"
              "0\n");
    EXPECT_EQ(bodyfile_line(r, "web01:"),
              "0|web01:/tmp/payload|1234|-rwxr-xr-x|1000|1000|8192|1767323045|1767323040|"
              "1767323041|0\n");
}

TEST(Bodyfile, SymlinkEscapedNameAndUnknowns) {
    const json link = json::parse(R"({
        "path": "/tmp/l\\xffnk|", "escaped_fields": ["path"], "file_type": "symlink",
        "inode": 7, "mode_string": "lrwxrwxrwx", "uid": 0, "gid": 0, "size": 11,
        "mtime": "2026-01-02T03:04:00.000000Z", "link_target": "/etc/passwd"})");
    // The escape_bytes form is undone first, so the bodyfile has one escaping rule.
    EXPECT_EQ(bodyfile_line(link),
              "0|/tmp/l\\xffnk\\x7c -> /etc/passwd|7|lrwxrwxrwx|0|0|11|0|1767323040|0|0\n");
    const json bare = json::parse(R"({"path": "/x"})");
    EXPECT_EQ(bodyfile_line(bare), "0|/x|0|-rwxrwxrwx|0|0|0|0|0|0|0\n");
    EXPECT_EQ(bodyfile_line(json::parse(R"({"inode": 1})")), "");
    EXPECT_EQ(bodyfile_line(json::parse(R"({"path": 5})")), "");
    EXPECT_EQ(bodyfile_line(json::array()), "");
    // A crafted mode string cannot add a column.
    const json crafted = json::parse(R"({"path": "/x", "mode_string": "-rw|r--r--"})");
    EXPECT_EQ(bodyfile_line(crafted), "0|/x|0|-rw\\x7cr--r--|0|0|0|0|0|0|0\n");
}

TEST(Bodyfile, WindowsRecordGetsTskNtfsMode) {
    const json r = json::parse(R"({
        "path": "C:\\Users\\alice\\AppData\\Local\\Temp\\x.exe", "file_type": "regular",
        "inode": 1407374883553844, "size": 4096, "attributes": ["hidden"],
        "atime": null, "mtime": "2026-01-02T03:04:00.000000Z",
        "ctime": "2026-01-02T03:04:00.000000Z", "btime": "2025-12-31T23:59:59.000000Z"})");
    // "\x.exe" would read as an escape: that one backslash is doubled, the others stay.
    EXPECT_EQ(bodyfile_line(r),
              "0|C:\\Users\\alice\\AppData\\Local\\Temp\\\\x.exe|1407374883553844|-rwxrwxrwx|0|"
              "0|4096|0|1767323040|1767323040|1767225599\n");
    const json dir = json::parse(R"({"path": "C:\\ProgramData", "file_type": "directory"})");
    EXPECT_EQ(bodyfile_line(dir), "0|C:\\ProgramData|0|drwxrwxrwx|0|0|0|0|0|0|0\n");
}

}  // namespace
}  // namespace irsnap::exports
