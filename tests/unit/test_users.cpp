// SPDX-License-Identifier: Apache-2.0
// Unit tests for the /etc/passwd and /etc/group text parsers and UserDb (platform/linux/users.hpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fixture_util.hpp"
#include "irsnap/linux/users.hpp"

using namespace irsnap::users;
namespace fs = std::filesystem;

// ---- parse_etc_passwd ------------------------------------------------------------------------

TEST(EtcPasswd, RealisticFile) {
    auto p = parse_etc_passwd(
        "root:x:0:0:root:/root:/bin/bash\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        "alice:x:1000:1000:Alice Liddell,,,:/home/alice:/bin/bash\n");
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p[0].name, "root");
    EXPECT_EQ(p[0].uid, 0);
    EXPECT_EQ(p[0].gid, 0);
    EXPECT_EQ(p[0].gecos, "root");
    EXPECT_EQ(p[0].home, "/root");
    EXPECT_EQ(p[0].shell, "/bin/bash");
    EXPECT_EQ(p[2].name, "nobody");
    EXPECT_EQ(p[2].uid, 65534);
    EXPECT_EQ(p[3].name, "alice");
    EXPECT_EQ(p[3].uid, 1000);
    EXPECT_EQ(p[3].gid, 1000);
    EXPECT_EQ(p[3].gecos, "Alice Liddell,,,");
    EXPECT_EQ(p[3].home, "/home/alice");
    EXPECT_EQ(p[3].shell, "/bin/bash");
}

TEST(EtcPasswd, EmptyOptionalFields) {
    auto p = parse_etc_passwd("svc::999:999:::\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].name, "svc");
    EXPECT_EQ(p[0].uid, 999);
    EXPECT_EQ(p[0].gecos, "");
    EXPECT_EQ(p[0].home, "");
    EXPECT_EQ(p[0].shell, "");
}

TEST(EtcPasswd, CommentsBlankLinesAndNis) {
    auto p = parse_etc_passwd(
        "# /etc/passwd\n"
        "\n"
        "root:x:0:0:root:/root:/bin/bash\n"
        "   \n"  // whitespace-only: wrong field count, skipped
        "+::::::\n"
        "+@admins::::::\n"
        "-mallory::::::\n"
        "+bob:x:5000:5000::/home/bob:/bin/sh\n"
        "#toor:x:0:0::/root:/bin/sh\n"
        "alice:x:1000:1000::/home/alice:/bin/bash\n");
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].name, "root");
    EXPECT_EQ(p[1].name, "alice");
}

TEST(EtcPasswd, WrongFieldCounts) {
    auto p = parse_etc_passwd(
        "short:x:1:1\n"
        "six:x:1:1:g:/h\n"
        "eight:x:1:1:g:/h:/s:extra\n"
        "ok:x:2:2:g:/h:/s\n"
        ":x:3:3:g:/h:/s\n");  // empty name
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].name, "ok");
    EXPECT_EQ(p[0].uid, 2);
}

TEST(EtcPasswd, NegativeAndNonNumericIds) {
    auto p = parse_etc_passwd(
        "neg:x:-1:0::/:/bin/sh\n"
        "neggid:x:0:-5::/:/bin/sh\n"
        "alpha:x:abc:0::/:/bin/sh\n"
        "mixed:x:12ab:0::/:/bin/sh\n"
        "space:x: 12:0::/:/bin/sh\n"
        "plus:x:+12:0::/:/bin/sh\n"
        "empty:x::0::/:/bin/sh\n"
        "huge:x:99999999999999999999:0::/:/bin/sh\n"
        "hex:x:0x10:0::/:/bin/sh\n"
        "good:x:4294967294:4294967294::/:/bin/sh\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].name, "good");
    EXPECT_EQ(p[0].uid, 4294967294);
    EXPECT_EQ(p[0].gid, 4294967294);
}

TEST(EtcPasswd, Crlf) {
    auto p = parse_etc_passwd("root:x:0:0:root:/root:/bin/bash\r\nalice:x:1000:1000::/home/a:\r\n");
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].shell, "/bin/bash");  // no stray '\r'
    EXPECT_EQ(p[1].name, "alice");
    EXPECT_EQ(p[1].shell, "");
}

TEST(EtcPasswd, NoTrailingNewlineAndEmptyInput) {
    auto p = parse_etc_passwd("a:x:1:2:g:/h:/s");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].shell, "/s");
    EXPECT_TRUE(parse_etc_passwd("").empty());
    EXPECT_TRUE(parse_etc_passwd("\n\n\r\n").empty());
}

TEST(EtcPasswd, DuplicatesKeptInOrder) {
    auto p = parse_etc_passwd("root:x:0:0::/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n");
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].name, "root");
    EXPECT_EQ(p[1].name, "toor");
    EXPECT_EQ(p[1].uid, 0);
}

TEST(EtcPasswd, NonUtf8Kept) {
    auto p = parse_etc_passwd("j\xf6rg:x:1001:1001:J\xf6rg:/home/j\xf6rg:/bin/sh\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].name, "j\xf6rg");
    EXPECT_EQ(p[0].gecos, "J\xf6rg");
}

// ---- parse_etc_group -------------------------------------------------------------------------

TEST(EtcGroup, RealisticFile) {
    auto g = parse_etc_group(
        "root:x:0:\n"
        "adm:x:4:syslog,alice\n"
        "sudo:x:27:alice\n"
        "users:x:100:\n");
    ASSERT_EQ(g.size(), 4u);
    EXPECT_EQ(g[0].name, "root");
    EXPECT_EQ(g[0].gid, 0);
    EXPECT_TRUE(g[0].members.empty());
    EXPECT_EQ(g[1].name, "adm");
    EXPECT_EQ(g[1].gid, 4);
    EXPECT_EQ(g[1].members, (std::vector<std::string>{"syslog", "alice"}));
    EXPECT_EQ(g[2].members, (std::vector<std::string>{"alice"}));
    EXPECT_EQ(g[3].gid, 100);
}

TEST(EtcGroup, MembersListEdgeCases) {
    auto g = parse_etc_group("a:x:1:,bob,,carol,\nb:x:2:,\n");
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g[0].members, (std::vector<std::string>{"bob", "carol"}));
    EXPECT_TRUE(g[1].members.empty());
}

TEST(EtcGroup, CommentsBlankNisAndWrongCounts) {
    auto g = parse_etc_group(
        "# comment\n"
        "\n"
        "+:::\n"
        "+@ng:::\n"
        "-evil:x:0:\n"
        "three:x:5\n"
        "five:x:6:a:b\n"
        ":x:7:\n"
        "neg:x:-1:\n"
        "nonnum:x:abc:\n"
        "empty:x::\n"
        "ok:x:8:m\n");
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].name, "ok");
    EXPECT_EQ(g[0].gid, 8);
    EXPECT_EQ(g[0].members, (std::vector<std::string>{"m"}));
}

TEST(EtcGroup, Crlf) {
    auto g = parse_etc_group("wheel:x:10:root,alice\r\nempty:x:11:\r\n");
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g[0].members, (std::vector<std::string>{"root", "alice"}));  // no "alice\r"
    EXPECT_EQ(g[1].name, "empty");
    EXPECT_TRUE(g[1].members.empty());
}

TEST(EtcGroup, EmptyInput) {
    EXPECT_TRUE(parse_etc_group("").empty());
    EXPECT_TRUE(parse_etc_group("\n").empty());
}

// ---- UserDb::load ----------------------------------------------------------------------------

namespace {

class UserDbTest : public ::testing::Test {
  protected:
    void SetUp() override { fs::create_directories(m_root / "etc"); }
    void write(const std::string& rel, const std::string& text) {
        std::ofstream out(m_root / rel, std::ios::binary);
        out << text;
    }
    irsnap::test::TempDir m_tmp{"irsnap-users"};
    fs::path m_root = m_tmp.path();
};

}  // namespace

TEST_F(UserDbTest, LoadsUsersAndGroupsFirstEntryWins) {
    write("etc/passwd",
          "# header\n"
          "root:x:0:0:root:/root:/bin/bash\n"
          "toor:x:0:0:backdoor:/root:/bin/sh\n"  // same uid later: ignored
          "+::::::\n"
          "alice:x:1000:1000::/home/alice:/bin/bash\r\n"
          "broken:x:1001\n");
    write("etc/group",
          "root:x:0:\n"
          "wheel:x:0:alice\n"  // same gid later: ignored
          "alice:x:1000:\n");
    auto db = UserDb::load(m_root);
    EXPECT_EQ(db.user(0), "root");
    EXPECT_EQ(db.user(1000), "alice");
    EXPECT_FALSE(db.user(1001));
    EXPECT_FALSE(db.user(4242));
    EXPECT_EQ(db.group(0), "root");
    EXPECT_EQ(db.group(1000), "alice");
    EXPECT_FALSE(db.group(27));
}

TEST_F(UserDbTest, MissingFilesGiveEmptyDb) {
    auto db = UserDb::load(m_root);
    EXPECT_FALSE(db.user(0));
    EXPECT_FALSE(db.group(0));

    auto none = UserDb::load(m_root / "does-not-exist");
    EXPECT_FALSE(none.user(0));
    EXPECT_FALSE(none.group(0));
}

TEST_F(UserDbTest, OnlyPasswd) {
    write("etc/passwd", "daemon:x:1:1::/:/usr/sbin/nologin\n");
    auto db = UserDb::load(m_root);
    EXPECT_EQ(db.user(1), "daemon");
    EXPECT_FALSE(db.group(1));
}

TEST_F(UserDbTest, ReadsHostRootNotTheRunningSystem) {
    // A user that exists only in the fixture root proves the lookup does not go through NSS.
    write("etc/passwd", "irsnap-fixture-user:x:31337:31337::/:/bin/false\n");
    write("etc/group", "irsnap-fixture-group:x:31338:\n");
    auto db = UserDb::load(m_root);
    EXPECT_EQ(db.user(31337), "irsnap-fixture-user");
    EXPECT_EQ(db.group(31338), "irsnap-fixture-group");
    EXPECT_FALSE(db.user(0));  // root of the running system is not consulted
}
