// SPDX-License-Identifier: Apache-2.0
// /proc/net arp, route, ipv6_route, dev and if_inet6 parsers over literal text, malformed rows
// included, and the live IPv4 routes agreeing between /proc and netlink.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include "fixture_util.hpp"
#include "irsnap/linux/proc_net_route.hpp"
#include "irsnap/linux/rtnetlink.hpp"

using namespace irsnap;

TEST(ProcNetArp, CompleteIncompleteAndMalformedRows) {
    const char* text =
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.1        0x1         0x2         02:FC:00:00:00:05     *        eth0\n"
        "192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n"
        "10.0.0.1         0x1         0x6         aa:bb:cc:dd:ee:ff     *        br-lan\n"
        "\n"
        "300.1.1.1        0x1         0x2         aa:bb:cc:dd:ee:ff     *        eth0\n"
        "10.0.0.2         0x1         0x2         aa:bb:cc:dd:ee        *\n"
        "10.0.0.3         0x1         0xZZ        aa:bb:cc:dd:ee:ff     *        eth0\n"
        "10.0.0.4         0x1         0x2         aa-bb-cc-dd-ee-ff     *        eth0\n";
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_arp(text, &malformed);
    EXPECT_EQ(malformed, 4u);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].family, AF_INET);
    EXPECT_EQ(rows[0].address, "192.0.2.1");
    EXPECT_EQ(rows[0].mac, "02:fc:00:00:00:05");  // lowercased
    EXPECT_EQ(rows[0].interface, "eth0");
    EXPECT_FALSE(rows[0].state.has_value());  // the file shows no NUD state
    EXPECT_EQ(rows[0].arp_flags, 0x2u);
    EXPECT_FALSE(rows[1].mac.has_value());  // not ATF_COM: the zeros are no address
    EXPECT_EQ(net::arp_flag_names(rows[2].arp_flags),
              (std::vector<std::string>{"complete", "permanent"}));
    EXPECT_EQ(rows[2].interface, "br-lan");
    EXPECT_TRUE(
        procfs::parse_proc_net_arp("IP address HW type Flags HW address Mask Device\n").empty());
}

TEST(ProcNetRoute, DefaultConnectedAndRejectRoutes) {
    const char* text =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "*\t0000000A\t00000000\t0201\t0\t0\t0\t000000FF\t0\t0\t0\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n"   // mask with a hole
        "eth0\t000200C\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"    // 7 hex digits
        "eth0\t000200C0\t00000000\t0001\t0\t0\t-1\t00FFFFFF\t0\t0\t0\n"  // negative metric
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\n";                     // short row
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_route(text, &malformed);
    EXPECT_EQ(malformed, 4u);
    ASSERT_EQ(rows.size(), 3u);
    // Host-order words on little-endian: 010200C0 is 192.0.2.1.
    EXPECT_EQ(rows[0].destination, "0.0.0.0/0");
    EXPECT_EQ(rows[0].gateway, "192.0.2.1");
    EXPECT_EQ(rows[0].interface, "eth0");
    EXPECT_EQ(rows[0].metric, 100u);
    EXPECT_EQ(rows[0].table, 254u);
    EXPECT_EQ(rows[0].proc_flags, 0x3u);
    EXPECT_EQ(rows[1].destination, "192.0.2.0/24");
    EXPECT_FALSE(rows[1].gateway.has_value());
    EXPECT_EQ(rows[2].destination, "10.0.0.0/8");
    EXPECT_EQ(rows[2].interface, "");  // "*": no device (an unreachable route)
    EXPECT_FALSE(rows[2].type.has_value());
}

TEST(ProcNetIpv6Route, RoutesNullEntryAndMalformedRows) {
    const char* text =
        "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
        "fd00000000000000000000000000000 40 00000000000000000000000000000000 00 "  // 31 digits
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "fd000000000000000000000000000000 81 00000000000000000000000000000000 00 "  // /129
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "fd000000000000000000000000000000 40 00000000000000000000000000000000 00\n";
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_ipv6_route(text, &malformed);
    EXPECT_EQ(malformed, 3u);
    ASSERT_EQ(rows.size(), 4u);  // no header line: the first row counts
    EXPECT_EQ(rows[0].destination, "fd00::/64");
    EXPECT_EQ(rows[0].metric, 256u);
    EXPECT_FALSE(rows[0].gateway.has_value());
    EXPECT_FALSE(rows[0].table.has_value());  // the file does not say
    EXPECT_EQ(rows[1].destination, "::/0");
    EXPECT_EQ(rows[1].gateway, "fd00::1");
    EXPECT_EQ(rows[1].metric, 1024u);
    EXPECT_EQ(rows[2].destination, "::1/128");
    EXPECT_EQ(rows[2].interface, "lo");
    EXPECT_FALSE(procfs::is_ipv6_null_entry(rows[1]));
    EXPECT_TRUE(procfs::is_ipv6_null_entry(rows[3]));
}

TEST(ProcNetDev, CountersBothHeadersAndMalformedRows) {
    const char* text =
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
        "errs drop fifo colls carrier compressed\n"
        "    lo:   12106     159    0    0    0     0          0         0    12106     159    "
        "0    0    0     0       0          0\n"
        "  eth0:24642855     781    0    0    0     0          0         0    37463     456    "
        "0    0    0     0       0          0\n"
        "  eth1:   1 2 3\n"
        "  eth2 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
        "  eth3:   1 2 3 4 5 6 7 8 9 x 11 12 13 14 15 16\n";
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_dev(text, &malformed);
    EXPECT_EQ(malformed, 3u);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].name, "lo");
    EXPECT_EQ(rows[1].name, "eth0");  // no space after the colon
    ASSERT_TRUE(rows[1].stats.has_value());
    EXPECT_EQ(rows[1].stats->rx_bytes, 24642855u);
    EXPECT_EQ(rows[1].stats->rx_packets, 781u);
    EXPECT_EQ(rows[1].stats->tx_bytes, 37463u);
    EXPECT_EQ(rows[1].stats->tx_packets, 456u);
    EXPECT_FALSE(rows[1].mac.has_value());
}

TEST(ProcNetIfInet6, AddressesWithScopes) {
    const char* text =
        "00000000000000000000000000000001 01 80 10 80       lo\n"
        "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n"
        "fd000000000000000000000000000002 04 40 00 80     eth0\n"
        "fd000000000000000000000000000002 04 99 00 80     eth0\n";
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_if_inet6(text, &malformed);
    EXPECT_EQ(malformed, 1u);  // prefix 0x99 > 128
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].address, "::1");
    EXPECT_EQ(rows[0].prefix_length, 128);
    EXPECT_EQ(net::scope_name(rows[0].scope), "host");
    EXPECT_EQ(rows[1].address, "fe80::fc:ff:fe00:1");
    EXPECT_EQ(rows[1].interface_index, 4);
    EXPECT_EQ(net::scope_name(rows[1].scope), "link");
    EXPECT_EQ(net::scope_name(rows[2].scope), "global");
    EXPECT_EQ(rows[2].interface, "eth0");
}

TEST(ProcNetRouteLive, ProcAndNetlinkAgreeOnTheMainTable) {
    size_t malformed = 99;
    auto proc = procfs::parse_proc_net_route(test::read_text_file("/proc/net/route"), &malformed);
    EXPECT_EQ(malformed, 0u);
    auto nl = netlink::dump_routes(AF_INET);
    ASSERT_TRUE(nl.ok()) << nl.error().message;
    for (const auto& p : proc) {
        bool found = false;
        for (const auto& n : *nl) {
            found = found || (n.table == 254u && n.destination == p.destination &&
                              n.gateway == p.gateway && n.metric == p.metric);
        }
        EXPECT_TRUE(found) << p.destination << " via " << p.gateway.value_or("-")
                           << " is in /proc/net/route but not in the netlink main table";
    }
}
