// SPDX-License-Identifier: Apache-2.0
// The names and byte layouts of the Windows IP Helper tables (collectors/netstate/
// win_net_format): pure, so tested here on Linux and in the Windows test binary alike.
#include <gtest/gtest.h>

#include <cstdint>

#include "irsnap/windows/win_net_format.hpp"

namespace irsnap::collectors::win_net {
namespace {

TEST(WinNetFormat, TcpStatesUseTheLinuxNames) {
    EXPECT_EQ(tcp_state_name(1), "CLOSE");  // MIB_TCP_STATE_CLOSED
    EXPECT_EQ(tcp_state_name(2), "LISTEN");
    EXPECT_EQ(tcp_state_name(3), "SYN_SENT");
    EXPECT_EQ(tcp_state_name(4), "SYN_RECV");  // MIB_TCP_STATE_SYN_RCVD
    EXPECT_EQ(tcp_state_name(5), "ESTABLISHED");
    EXPECT_EQ(tcp_state_name(6), "FIN_WAIT1");
    EXPECT_EQ(tcp_state_name(7), "FIN_WAIT2");
    EXPECT_EQ(tcp_state_name(8), "CLOSE_WAIT");
    EXPECT_EQ(tcp_state_name(9), "CLOSING");
    EXPECT_EQ(tcp_state_name(10), "LAST_ACK");
    EXPECT_EQ(tcp_state_name(11), "TIME_WAIT");
    EXPECT_EQ(tcp_state_name(12), "DELETE_TCB");
    EXPECT_EQ(tcp_state_name(0), "UNKNOWN_0");
    EXPECT_EQ(tcp_state_name(13), "UNKNOWN_13");
    EXPECT_EQ(tcp_state_name(0xffffffff), "UNKNOWN_4294967295");
}

TEST(WinNetFormat, PortIsNetworkOrderInTheLowWord) {
    // Port 80 is stored as the bytes 00 50 00 00: the DWORD reads 0x5000 on x86.
    EXPECT_EQ(port_from_table(0x5000), 80);
    EXPECT_EQ(port_from_table(0x3d22), 8765);  // 0x223d
    EXPECT_EQ(port_from_table(0xffff), 65535);
    EXPECT_EQ(port_from_table(0x0100), 1);
    // The high word is garbage the API does not promise to clear.
    EXPECT_EQ(port_from_table(0xabcd5000), 80);
}

TEST(WinNetFormat, ScopeIdOnlyOnScopedIpv6) {
    const uint8_t link_local[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const uint8_t site_local[16] = {0xfe, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    const uint8_t global[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(ipv6_with_scope(link_local, 12), "fe80::1%12");
    EXPECT_EQ(ipv6_with_scope(link_local, 0), "fe80::1");
    EXPECT_EQ(ipv6_with_scope(site_local, 3), "fec0::2%3");
    EXPECT_EQ(ipv6_with_scope(global, 12), "2001:db8::1");
}

TEST(WinNetFormat, ScopeFromTheAddress) {
    const uint8_t v4_loop[4] = {127, 0, 0, 1}, v4_link[4] = {169, 254, 1, 2},
                  v4_global[4] = {10, 0, 0, 1};
    EXPECT_EQ(address_scope(false, v4_loop), "host");
    EXPECT_EQ(address_scope(false, v4_link), "link");
    EXPECT_EQ(address_scope(false, v4_global), "global");
    uint8_t v6[16] = {};
    v6[15] = 1;
    EXPECT_EQ(address_scope(true, v6), "host");
    v6[0] = 0xfe, v6[1] = 0xbf;  // still fe80::/10
    EXPECT_EQ(address_scope(true, v6), "link");
    v6[1] = 0xc0;
    EXPECT_EQ(address_scope(true, v6), "site");
    v6[0] = 0x20, v6[1] = 0x01;
    EXPECT_EQ(address_scope(true, v6), "global");
    const uint8_t unspecified[16] = {};
    EXPECT_EQ(address_scope(true, unspecified), "global");
    EXPECT_TRUE(is_unspecified(true, unspecified));
    EXPECT_FALSE(is_unspecified(true, v6));
    EXPECT_TRUE(is_unspecified(false, unspecified));
    EXPECT_FALSE(is_unspecified(false, v4_global));
}

TEST(WinNetFormat, MacAddresses) {
    const uint8_t mac[8] = {0x00, 0x15, 0x5D, 0xAB, 0x0C, 0xFF, 0x11, 0x22};
    EXPECT_EQ(format_mac(mac, 6), "00:15:5d:ab:0c:ff");
    EXPECT_EQ(format_mac(mac, 8), "00:15:5d:ab:0c:ff:11:22");  // e.g. an IPoIB or FireWire
    EXPECT_EQ(format_mac(mac, 0), std::nullopt);
}

TEST(WinNetFormat, NeighborRouteAndInterfaceNames) {
    EXPECT_EQ(neighbor_state_name(0), "UNREACHABLE");
    EXPECT_EQ(neighbor_state_name(1), "INCOMPLETE");
    EXPECT_EQ(neighbor_state_name(5), "REACHABLE");
    EXPECT_EQ(neighbor_state_name(6), "PERMANENT");
    EXPECT_EQ(neighbor_state_name(7), "UNKNOWN_7");

    EXPECT_EQ(route_protocol_name(2), "local");
    EXPECT_EQ(route_protocol_name(3), "netmgmt");
    EXPECT_EQ(route_protocol_name(19), "dhcp");
    EXPECT_EQ(route_protocol_name(10002), "nt_autostatic");
    EXPECT_EQ(route_protocol_name(10006), "nt_static");
    EXPECT_EQ(route_protocol_name(10007), "nt_static_non_dod");
    EXPECT_EQ(route_protocol_name(0), "0");
    EXPECT_EQ(route_protocol_name(20), "20");

    EXPECT_EQ(route_origin_name(0), "manual");
    EXPECT_EQ(route_origin_name(3), "router_advertisement");
    EXPECT_EQ(route_origin_name(4), "6to4");
    EXPECT_EQ(route_origin_name(5), "5");

    EXPECT_EQ(oper_status_name(1), "UP");
    EXPECT_EQ(oper_status_name(2), "DOWN");
    EXPECT_EQ(oper_status_name(6), "NOTPRESENT");
    EXPECT_EQ(oper_status_name(7), "LOWERLAYERDOWN");
    EXPECT_EQ(oper_status_name(0), "UNKNOWN_0");

    EXPECT_EQ(if_type_name(6), "ethernet");
    EXPECT_EQ(if_type_name(24), "loopback");
    EXPECT_EQ(if_type_name(71), "wireless");
    EXPECT_EQ(if_type_name(131), "tunnel");
    EXPECT_EQ(if_type_name(999), "999");
}

TEST(WinNetFormat, DnsTypes) {
    EXPECT_EQ(dns_type_name(1), "A");
    EXPECT_EQ(dns_type_name(5), "CNAME");
    EXPECT_EQ(dns_type_name(28), "AAAA");
    EXPECT_EQ(dns_type_name(65), "HTTPS");
    EXPECT_EQ(dns_type_name(0), "TYPE0");
    EXPECT_EQ(dns_type_name(65535), "TYPE65535");
}

}  // namespace
}  // namespace irsnap::collectors::win_net
