// SPDX-License-Identifier: Apache-2.0
// irsnap's own IP text (irsnap/ip_text.hpp) on literal cases, and the hosts-file parser built on
// it. test_ip_text_libc.cpp compares both with glibc on Linux.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "irsnap/hosts_file.hpp"
#include "irsnap/ip_text.hpp"

namespace irsnap::ip {
namespace {

std::array<uint8_t, 16> v6(std::initializer_list<uint16_t> words) {
    std::array<uint8_t, 16> out{};
    size_t i = 0;
    for (uint16_t w : words) {
        out[i++] = static_cast<uint8_t>(w >> 8);
        out[i++] = static_cast<uint8_t>(w);
    }
    return out;
}

TEST(IpText, FormatsIpv4) {
    const uint8_t a[4] = {192, 168, 0, 255};
    EXPECT_EQ(format_ipv4(a), "192.168.0.255");
}

TEST(IpText, FormatsIpv6AsRfc5952) {
    EXPECT_EQ(format_ipv6(v6({0, 0, 0, 0, 0, 0, 0, 0}).data()), "::");
    EXPECT_EQ(format_ipv6(v6({0, 0, 0, 0, 0, 0, 0, 1}).data()), "::1");
    EXPECT_EQ(format_ipv6(v6({0xfe80, 0, 0, 0, 0x21a, 0x2bff, 0xfe3c, 0x4d5e}).data()),
              "fe80::21a:2bff:fe3c:4d5e");
    EXPECT_EQ(format_ipv6(v6({0x2001, 0xdb8, 0, 1, 0, 0, 0, 1}).data()), "2001:db8:0:1::1");
    // A tie: the first run wins; a single zero group stays.
    EXPECT_EQ(format_ipv6(v6({1, 0, 0, 2, 0, 0, 3, 4}).data()), "1::2:0:0:3:4");
    EXPECT_EQ(format_ipv6(v6({1, 0, 2, 3, 4, 5, 6, 7}).data()), "1:0:2:3:4:5:6:7");
    EXPECT_EQ(format_ipv6(v6({1, 2, 3, 4, 5, 6, 7, 0}).data()), "1:2:3:4:5:6:7:0");
    EXPECT_EQ(format_ipv6(v6({1, 2, 3, 4, 5, 6, 0, 0}).data()), "1:2:3:4:5:6::");
    EXPECT_EQ(format_ipv6(v6({0, 0, 0, 0, 0, 0xffff, 0x7f00, 1}).data()), "::ffff:127.0.0.1");
    EXPECT_EQ(format_ipv6(v6({0, 0, 0, 0, 0, 0, 0x0a00, 1}).data()), "::10.0.0.1");
    EXPECT_EQ(format_ipv6(v6({0xabcd, 0xef01, 0, 0, 0, 0, 0, 0}).data()), "abcd:ef01::");
}

TEST(IpText, ParsesWhatInetPtonAccepts) {
    EXPECT_EQ(parse_ipv4("10.0.0.1"), (std::array<uint8_t, 4>{10, 0, 0, 1}));
    EXPECT_EQ(parse_ipv6("::1"), v6({0, 0, 0, 0, 0, 0, 0, 1}));
    EXPECT_EQ(parse_ipv6("1::"), v6({1, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(parse_ipv6("::ffff:1.2.3.4"), v6({0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304}));
    EXPECT_EQ(parse_ipv6("FE80::ABCD"), v6({0xfe80, 0, 0, 0, 0, 0, 0, 0xabcd}));
    EXPECT_EQ(parse_ipv6("1:2:3:4:5:6:7:8"), v6({1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(parse_ipv6("1:2:3:4:5:6:1.2.3.4"), v6({1, 2, 3, 4, 5, 6, 0x0102, 0x0304}));
}

TEST(IpText, RejectsWhatInetPtonRejects) {
    for (const char* bad : {"",
                            "1.2.3",
                            "1.2.3.4.5",
                            "256.1.1.1",
                            "01.2.3.4",
                            "1..2.3",
                            "1.2.3.4 ",
                            " 1.2.3.4",
                            "1.2.3.",
                            "a.b.c.d",
                            ":",
                            ":1",
                            "1:",
                            ":::",
                            "1::2::3",
                            "12345::",
                            "1:2:3:4:5:6:7:8:9",
                            "1:2:3:4:5:6:7::8",
                            "::1.2.3",
                            "::1.2.3.4:5",
                            "fe80::1%eth0",
                            "1:2:3:4:5:6:7:1.2.3.4",
                            "g::1",
                            "::ffff:01.2.3.4"}) {
        EXPECT_FALSE(parse_ipv4(bad).has_value()) << bad;
        EXPECT_FALSE(parse_ipv6(bad).has_value()) << bad;
        EXPECT_FALSE(is_ip_literal(bad)) << bad;
    }
}

TEST(HostsFile, SameOnEveryPlatform) {
    const char* text =
        "# Copyright (c) 1993-2009 Microsoft Corp.\r\n"
        "127.0.0.1       localhost\r\n"
        "::1             localhost\r\n"
        "10.6.6.6 update.microsoft.com windowsupdate.com # planted\r\n"
        "fe80::1%12 zoned\r\n"
        "10.0.0.2\r\n";
    size_t malformed = 0;
    const auto entries = etc::parse_etc_hosts(text, &malformed);
    EXPECT_EQ(malformed, 2u);  // a zone id; no name
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].line, 2u);
    EXPECT_EQ(entries[0].address, "127.0.0.1");
    EXPECT_EQ(entries[1].address, "::1");
    EXPECT_EQ(entries[2].line, 4u);
    EXPECT_EQ(entries[2].names,
              (std::vector<std::string>{"update.microsoft.com", "windowsupdate.com"}));
}

}  // namespace
}  // namespace irsnap::ip
