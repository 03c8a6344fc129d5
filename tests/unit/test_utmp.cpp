// SPDX-License-Identifier: Apache-2.0
// Unit tests for the byte-level utmp reader (platform/linux/utmp.hpp). Records are built here in
// the x86-64 glibc layout so the test does not depend on the host's <utmp.h>.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "irsnap/linux/utmp.hpp"

using namespace irsnap::utmp;

namespace {

/// One 384-byte struct utmp (x86-64 glibc): type int16 @0, pid int32 @4, line[32] @8, id[4] @40,
/// user[32] @44, host[256] @76, session int32 @336, tv_sec int32 @340, tv_usec int32 @344,
/// addr_v6 int32[4] @348, then 20 unused bytes.
class Record {
  public:
    Record() : m_bytes(384, '\0') {}

    Record& type(int16_t v) { return put(0, v); }
    Record& pid(int32_t v) { return put(4, v); }
    Record& line(const std::string& s) { return put_str(8, 32, s); }
    Record& id(const std::string& s) { return put_str(40, 4, s); }
    Record& user(const std::string& s) { return put_str(44, 32, s); }
    Record& host(const std::string& s) { return put_str(76, 256, s); }
    Record& session(int32_t v) { return put(336, v); }
    Record& tv_sec(int32_t v) { return put(340, v); }
    Record& tv_usec(int32_t v) { return put(344, v); }
    /// The address bytes exactly as they sit in memory (network byte order), up to 16.
    Record& addr(const std::vector<uint8_t>& bytes) {
        for (size_t i = 0; i < bytes.size() && i < 16; ++i) {
            m_bytes[348 + i] = static_cast<char>(bytes[i]);
        }
        return *this;
    }
    Record& fill_unused(char c) {
        for (size_t i = 364; i < 384; ++i) m_bytes[i] = c;
        return *this;
    }
    const std::string& bytes() const { return m_bytes; }

  private:
    template <typename T>
    Record& put(size_t offset, T v) {
        std::memcpy(m_bytes.data() + offset, &v, sizeof v);
        return *this;
    }
    Record& put_str(size_t offset, size_t size, const std::string& s) {
        EXPECT_LE(s.size(), size);
        std::memset(m_bytes.data() + offset, 0, size);
        std::memcpy(m_bytes.data() + offset, s.data(), std::min(s.size(), size));
        return *this;
    }
    std::string m_bytes;
};

Record ssh_login() {
    return Record()
        .type(7)
        .pid(1234)
        .line("pts/0")
        .id("ts/0")
        .user("alice")
        .host("192.168.1.10")
        .session(0)
        .tv_sec(1700000000)
        .tv_usec(123456)
        .addr({192, 168, 1, 10});
}

}  // namespace

TEST(Utmp, RecordSizeMatchesLayout) {
    EXPECT_EQ(k_record_size, 384u);
}

TEST(Utmp, UserProcessFields) {
    size_t trailing = 99;
    auto e = parse_utmp(ssh_login().bytes(), &trailing);
    EXPECT_EQ(trailing, 0u);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].type, 7);
    EXPECT_EQ(type_name(e[0].type), "USER_PROCESS");
    EXPECT_EQ(e[0].pid, 1234);
    EXPECT_EQ(e[0].line, "pts/0");
    EXPECT_EQ(e[0].id, "ts/0");
    EXPECT_EQ(e[0].user, "alice");
    EXPECT_EQ(e[0].host, "192.168.1.10");
    EXPECT_EQ(e[0].session, 0);
    EXPECT_EQ(e[0].tv_sec, 1700000000);
    EXPECT_EQ(e[0].tv_usec, 123456);
    EXPECT_EQ(e[0].address, "192.168.1.10");
}

TEST(Utmp, BootAndDeadRecords) {
    std::string bytes = Record()
                            .type(2)
                            .line("~")
                            .id("~~")
                            .user("reboot")
                            .host("6.1.0-13-amd64")
                            .tv_sec(1699990000)
                            .bytes();
    bytes += Record().type(8).pid(999).line("pts/3").id("ts/3").tv_sec(1700000100).bytes();
    bytes += Record().type(6).pid(700).line("tty1").id("tty1").user("LOGIN").bytes();
    auto e = parse_utmp(bytes);
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(type_name(e[0].type), "BOOT_TIME");
    EXPECT_EQ(e[0].user, "reboot");
    EXPECT_EQ(e[0].host, "6.1.0-13-amd64");
    EXPECT_EQ(e[0].line, "~");
    EXPECT_EQ(e[0].id, "~~");
    EXPECT_EQ(e[0].address, "");
    EXPECT_EQ(type_name(e[1].type), "DEAD_PROCESS");
    EXPECT_EQ(e[1].pid, 999);
    EXPECT_EQ(e[1].user, "");
    EXPECT_EQ(e[1].tv_sec, 1700000100);
    EXPECT_EQ(type_name(e[2].type), "LOGIN_PROCESS");
    EXPECT_EQ(e[2].line, "tty1");
    EXPECT_EQ(e[2].user, "LOGIN");
}

TEST(Utmp, AllZeroRecord) {
    auto e = parse_utmp(std::string(384, '\0'));
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].type, 0);
    EXPECT_EQ(type_name(e[0].type), "EMPTY");
    EXPECT_EQ(e[0].pid, 0);
    EXPECT_EQ(e[0].line, "");
    EXPECT_EQ(e[0].id, "");
    EXPECT_EQ(e[0].user, "");
    EXPECT_EQ(e[0].host, "");
    EXPECT_EQ(e[0].tv_sec, 0);
    EXPECT_EQ(e[0].address, "");
}

TEST(Utmp, Ipv4Address) {
    auto e = parse_utmp(Record().type(7).addr({10, 0, 0, 1}).bytes());
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].address, "10.0.0.1");
    e = parse_utmp(Record().type(7).addr({255, 255, 255, 255}).bytes());
    EXPECT_EQ(e[0].address, "255.255.255.255");
    e = parse_utmp(Record().type(7).addr({0, 0, 0, 1}).bytes());
    EXPECT_EQ(e[0].address, "0.0.0.1");
}

TEST(Utmp, Ipv6Address) {
    auto e = parse_utmp(Record()
                            .type(7)
                            .addr({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
                            .bytes());
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].address, "2001:db8::1");

    e = parse_utmp(Record().type(7).addr({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}).bytes());
    EXPECT_EQ(e[0].address, "::1");

    e = parse_utmp(
        Record()
            .type(7)
            .addr({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55})
            .bytes());
    EXPECT_EQ(e[0].address, "fe80::211:22ff:fe33:4455");

    // IPv4-mapped, as sshd can record it.
    e = parse_utmp(
        Record().type(7).addr({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7}).bytes());
    EXPECT_EQ(e[0].address, "::ffff:192.0.2.7");
}

TEST(Utmp, Ipv6WithOnlyFirstWordSetReadsAsIpv4) {
    // The layout cannot tell "2001:db8::" from 32.1.13.184: like glibc's who(1), a record with
    // words 1..3 zero is taken as IPv4. Pinned here so a change is deliberate.
    auto e = parse_utmp(Record().type(7).addr({0x20, 0x01, 0x0d, 0xb8}).bytes());
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].address, "32.1.13.184");
}

TEST(Utmp, UnterminatedFullLengthFields) {
    const std::string line(32, 'L');
    const std::string id = "abcd";
    const std::string user(32, 'U');
    const std::string host(256, 'H');
    auto rec = Record().type(7).pid(1).line(line).id(id).user(user).host(host).session(77);
    auto e = parse_utmp(rec.bytes());
    ASSERT_EQ(e.size(), 1u);
    // Each field stops at its own end and never runs into its neighbour.
    EXPECT_EQ(e[0].line, line);
    EXPECT_EQ(e[0].id, id);
    EXPECT_EQ(e[0].user, user);
    EXPECT_EQ(e[0].host, host);
    EXPECT_EQ(e[0].session, 77);
}

TEST(Utmp, UnterminatedFieldsAtEndOfBuffer) {
    // Every byte non-zero (including the unused tail) so nothing ends a field but its size; the
    // record is the last thing in the buffer, so an overrun would leave it (ASan would see it).
    std::string bytes(384, 'A');
    auto e = parse_utmp(bytes);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].line, std::string(32, 'A'));
    EXPECT_EQ(e[0].id, std::string(4, 'A'));
    EXPECT_EQ(e[0].user, std::string(32, 'A'));
    EXPECT_EQ(e[0].host, std::string(256, 'A'));
    EXPECT_EQ(e[0].type, 0x4141);
    EXPECT_EQ(e[0].address, "4141:4141:4141:4141:4141:4141:4141:4141");
}

TEST(Utmp, FieldsWithEmbeddedNulAndNonUtf8) {
    auto e = parse_utmp(Record().type(7).user(std::string("ab\0cd", 5)).host("h\xff\xfe").bytes());
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].user, "ab");  // C string: stops at the first NUL
    EXPECT_EQ(e[0].host, "h\xff\xfe");
}

TEST(Utmp, SignedAndUnsignedNumbers) {
    auto e = parse_utmp(Record()
                            .type(-1)
                            .pid(-5)
                            .session(-7)
                            .tv_sec(static_cast<int32_t>(0x80000000u))
                            .tv_usec(-1)
                            .bytes());
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].type, -1);
    EXPECT_EQ(e[0].pid, -5);
    EXPECT_EQ(e[0].session, -7);
    // 32-bit tv_sec is read unsigned: 2038-01-19T03:14:08Z, not 1901.
    EXPECT_EQ(e[0].tv_sec, 2147483648);
    e = parse_utmp(Record().tv_sec(-1).bytes());
    EXPECT_EQ(e[0].tv_sec, 4294967295);
    EXPECT_EQ(parse_utmp(Record().tv_usec(-1).bytes())[0].tv_usec, -1);
}

TEST(Utmp, UnusedTailIgnored) {
    auto e = parse_utmp(ssh_login().fill_unused('\xff').bytes());
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].user, "alice");
    EXPECT_EQ(e[0].address, "192.168.1.10");
}

TEST(Utmp, SeveralRecordsInOrder) {
    const std::vector<std::string> users = {"u0", "u1", "u2", "u3", "u4"};
    const std::vector<std::string> lines = {"pts/0", "pts/1", "pts/2", "pts/3", "pts/4"};
    std::string bytes;
    for (size_t i = 0; i < users.size(); ++i) {
        bytes += Record()
                     .type(7)
                     .pid(static_cast<int32_t>(100 + i))
                     .user(users[i])
                     .line(lines[i])
                     .bytes();
    }
    size_t trailing = 99;
    auto e = parse_utmp(bytes, &trailing);
    EXPECT_EQ(trailing, 0u);
    ASSERT_EQ(e.size(), users.size());
    for (size_t i = 0; i < users.size(); ++i) {
        EXPECT_EQ(e[i].pid, static_cast<int64_t>(100 + i));
        EXPECT_EQ(e[i].user, users[i]);
        EXPECT_EQ(e[i].line, lines[i]);
    }
}

TEST(Utmp, TrailingPartialRecord) {
    std::string bytes = ssh_login().bytes() + ssh_login().pid(2).bytes();
    bytes += std::string(100, '\x7f');
    size_t trailing = 0;
    auto e = parse_utmp(bytes, &trailing);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(trailing, 100u);
    EXPECT_EQ(e[1].pid, 2);

    // Less than one record: nothing parsed, all of it trailing.
    e = parse_utmp(ssh_login().bytes().substr(0, 383), &trailing);
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(trailing, 383u);

    e = parse_utmp(std::string(1, '\x07'), &trailing);
    EXPECT_TRUE(e.empty());
    EXPECT_EQ(trailing, 1u);

    // trailing_bytes is optional.
    EXPECT_EQ(parse_utmp(bytes).size(), 2u);
}

TEST(Utmp, Empty) {
    size_t trailing = 99;
    EXPECT_TRUE(parse_utmp("", &trailing).empty());
    EXPECT_EQ(trailing, 0u);
}

TEST(Utmp, TypeNames) {
    EXPECT_EQ(type_name(0), "EMPTY");
    EXPECT_EQ(type_name(1), "RUN_LVL");
    EXPECT_EQ(type_name(2), "BOOT_TIME");
    EXPECT_EQ(type_name(3), "NEW_TIME");
    EXPECT_EQ(type_name(4), "OLD_TIME");
    EXPECT_EQ(type_name(5), "INIT_PROCESS");
    EXPECT_EQ(type_name(6), "LOGIN_PROCESS");
    EXPECT_EQ(type_name(7), "USER_PROCESS");
    EXPECT_EQ(type_name(8), "DEAD_PROCESS");
    EXPECT_EQ(type_name(9), "ACCOUNTING");
    EXPECT_EQ(type_name(10), "UNKNOWN_10");
    EXPECT_EQ(type_name(42), "UNKNOWN_42");
    EXPECT_EQ(type_name(-1), "UNKNOWN_-1");
}
