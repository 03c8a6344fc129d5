// SPDX-License-Identifier: Apache-2.0
// irsnap's IP text must read and print addresses exactly as glibc's inet_pton / inet_ntop do
// (the Linux collectors use those; the Windows ones and the hosts parser use irsnap's own), so
// one address looks the same in a Linux and a Windows bundle. Compared here on Linux.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "irsnap/ip_text.hpp"

namespace irsnap::ip {
namespace {

std::string libc_ntop6(const uint8_t* bytes) {
    char buf[INET6_ADDRSTRLEN];
    EXPECT_NE(inet_ntop(AF_INET6, bytes, buf, sizeof buf), nullptr);
    return buf;
}

TEST(IpTextLibc, FormatsIpv6LikeInetNtop) {
    // Every pattern of zero and non-zero groups (256), with small and large group values and
    // the IPv4-compatible / mapped prefixes that glibc prints in dotted form.
    std::mt19937 rng(42);
    for (unsigned mask = 0; mask < 256; ++mask) {
        for (int variant = 0; variant < 8; ++variant) {
            uint8_t bytes[16] = {};
            for (int g = 0; g < 8; ++g) {
                if (!(mask & (1u << g))) continue;
                const uint16_t w = variant == 0   ? 1
                                   : variant == 1 ? 0xffff
                                                  : static_cast<uint16_t>(rng());
                bytes[2 * g] = static_cast<uint8_t>(w >> 8);
                bytes[2 * g + 1] = static_cast<uint8_t>(w);
            }
            ASSERT_EQ(format_ipv6(bytes), libc_ntop6(bytes)) << "mask " << mask;
        }
    }
    for (uint16_t w5 : {0x0000, 0xffff, 0xfffe}) {
        uint8_t bytes[16] = {};
        bytes[10] = static_cast<uint8_t>(w5 >> 8), bytes[11] = static_cast<uint8_t>(w5);
        for (uint32_t v4 : {0x00000000u, 0x00000001u, 0x00010000u, 0x7f000001u, 0xffffffffu}) {
            for (int k = 0; k < 4; ++k) bytes[12 + k] = static_cast<uint8_t>(v4 >> (24 - 8 * k));
            EXPECT_EQ(format_ipv6(bytes), libc_ntop6(bytes));
        }
    }
}

TEST(IpTextLibc, ParsesLikeInetPton) {
    std::vector<std::string> inputs = {"0.0.0.0",
                                       "255.255.255.255",
                                       "1.2.3.4",
                                       "01.2.3.4",
                                       "1.2.3.04",
                                       "1.2.3.256",
                                       "1.2.3",
                                       "1.2.3.4.",
                                       ".1.2.3.4",
                                       "1..3.4",
                                       "0x1.2.3.4",
                                       "1.2.3.4\t",
                                       "",
                                       "::",
                                       ":::",
                                       "::1",
                                       "1::",
                                       "1:",
                                       ":1",
                                       "1::2::3",
                                       "::ffff:1.2.3.4",
                                       "::1.2.3.4",
                                       "1.2.3.4::",
                                       "::1.2.3.4:1",
                                       "1:2:3:4:5:6:1.2.3.4",
                                       "1:2:3:4:5:6:7:1.2.3.4",
                                       "1:2:3:4:5::1.2.3.4",
                                       "1:2:3:4:5:6:7:8",
                                       "1:2:3:4:5:6:7:8:9",
                                       "1:2:3:4:5:6:7::",
                                       "::2:3:4:5:6:7:8",
                                       "1:2:3:4:5:6:7::8",
                                       "00000::1",
                                       "0000::1",
                                       "fe80::1%1",
                                       "FE80::A",
                                       "::ffff:01.2.3.4",
                                       "::ffff:1.2.3",
                                       "1:2:3:4:5:6::1.2.3.4",
                                       "::ffff:256.1.1.1",
                                       "g::",
                                       "1:2",
                                       "::0:0:0:0:0:0:0",
                                       "::0:0:0:0:0:0:0:0"};
    for (const auto& s : inputs) {
        uint8_t raw4[4], raw6[16];
        const bool libc4 = inet_pton(AF_INET, s.c_str(), raw4) == 1;
        const bool libc6 = inet_pton(AF_INET6, s.c_str(), raw6) == 1;
        const auto own4 = parse_ipv4(s);
        const auto own6 = parse_ipv6(s);
        ASSERT_EQ(own4.has_value(), libc4) << '"' << s << '"';
        ASSERT_EQ(own6.has_value(), libc6) << '"' << s << '"';
        if (libc4) EXPECT_EQ(std::memcmp(own4->data(), raw4, 4), 0) << s;
        if (libc6) EXPECT_EQ(std::memcmp(own6->data(), raw6, 16), 0) << s;
    }
}

TEST(IpTextLibc, RoundTripsThroughBothParsers) {
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        uint8_t bytes[16];
        for (auto& b : bytes) b = (rng() % 3 == 0) ? 0 : static_cast<uint8_t>(rng());
        const std::string text = format_ipv6(bytes);
        ASSERT_EQ(text, libc_ntop6(bytes));
        const auto back = parse_ipv6(text);
        ASSERT_TRUE(back.has_value()) << text;
        ASSERT_EQ(std::memcmp(back->data(), bytes, 16), 0) << text;
    }
}

}  // namespace
}  // namespace irsnap::ip
