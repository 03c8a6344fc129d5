// SPDX-License-Identifier: Apache-2.0
// rtnetlink decoders fed messages built byte by byte as the kernel lays them out, plus the live
// dumps of this host's loopback.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "irsnap/linux/net_state.hpp"
#include "irsnap/linux/rtnetlink.hpp"

using namespace irsnap;
using netlink::decode_rtm_addr;
using netlink::decode_rtm_link;
using netlink::decode_rtm_neigh;
using netlink::decode_rtm_route;

namespace {

template <typename T>
std::string bytes_of(const T& v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

/// One rtattr: length, type, payload, padding to 4 bytes. `len_override` forges rta_len.
std::string attr(uint16_t type, const std::string& payload, uint16_t len_override = 0) {
    rtattr a{};
    a.rta_len = len_override ? len_override : static_cast<uint16_t>(RTA_LENGTH(payload.size()));
    a.rta_type = type;
    std::string out = bytes_of(a) + payload;
    out.resize(RTA_ALIGN(out.size()), '\0');
    return out;
}

std::string ip(int family, const char* text) {
    unsigned char raw[16] = {};
    EXPECT_EQ(inet_pton(family, text, raw), 1) << text;
    return std::string(reinterpret_cast<const char*>(raw), family == AF_INET ? 4 : 16);
}

std::string u32(uint32_t v) {
    return bytes_of(v);
}

/// Header, fixed part and attributes as one message padded to 4 bytes.
std::string nl_msg(uint16_t type, const std::string& payload, uint32_t len_override = 0) {
    nlmsghdr h{};
    h.nlmsg_len =
        len_override ? len_override : static_cast<uint32_t>(NLMSG_HDRLEN + payload.size());
    h.nlmsg_type = type;
    h.nlmsg_flags = NLM_F_MULTI;
    h.nlmsg_seq = 9;
    std::string out = bytes_of(h) + payload;
    out.resize(NLMSG_ALIGN(out.size()), '\0');
    return out;
}

std::string rtnl_done_msg() {
    int code = 0;
    return nl_msg(NLMSG_DONE, bytes_of(code));
}

std::string neigh_msg(int family, int ifindex, uint16_t state, uint8_t flags,
                      const std::string& attrs) {
    ndmsg m{};
    m.ndm_family = static_cast<uint8_t>(family);
    m.ndm_ifindex = ifindex;
    m.ndm_state = state;
    m.ndm_flags = flags;
    return nl_msg(RTM_NEWNEIGH, bytes_of(m) + attrs);
}

const std::string k_mac("\x02\xAB\xcd\x00\x00\x05", 6);

rtmsg route_header(int family, uint8_t dst_len, uint8_t table, uint8_t protocol, uint8_t scope,
                   uint8_t type) {
    rtmsg m{};
    m.rtm_family = static_cast<uint8_t>(family);
    m.rtm_dst_len = dst_len;
    m.rtm_table = table;
    m.rtm_protocol = protocol;
    m.rtm_scope = scope;
    m.rtm_type = type;
    return m;
}

}  // namespace

TEST(RtnetlinkNeigh, Ipv4NeighbourWithMac) {
    auto chunk = decode_rtm_neigh(
        neigh_msg(AF_INET, 2, NUD_REACHABLE, 0,
                  attr(NDA_DST, ip(AF_INET, "192.168.1.1")) + attr(NDA_LLADDR, k_mac)) +
        rtnl_done_msg());
    EXPECT_TRUE(chunk.done);
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 1u);
    const auto& r = chunk.rows[0];
    EXPECT_EQ(r.family, AF_INET);
    EXPECT_EQ(r.address, "192.168.1.1");
    ASSERT_TRUE(r.mac.has_value());
    EXPECT_EQ(*r.mac, "02:ab:cd:00:00:05");  // lowercase whatever the bytes
    EXPECT_EQ(r.interface_index, 2);
    ASSERT_TRUE(r.state.has_value());
    EXPECT_EQ(net::neighbor_state_names(*r.state), "REACHABLE");
    EXPECT_FALSE(r.is_router);
}

TEST(RtnetlinkNeigh, Ipv6RouterAndIncompleteEntry) {
    // A router neighbour (NTF_ROUTER), then an unresolved one: no NDA_LLADDR at all.
    std::string buf =
        neigh_msg(AF_INET6, 3, NUD_STALE, NTF_ROUTER,
                  attr(NDA_DST, ip(AF_INET6, "fe80::1")) + attr(NDA_LLADDR, k_mac) +
                      attr(NDA_PROBES, u32(0))) +
        neigh_msg(AF_INET6, 3, NUD_INCOMPLETE, 0, attr(NDA_DST, ip(AF_INET6, "2001:db8::7")));
    // At an odd address: the decoder must not rely on alignment (UBSan checks).
    std::string shifted = "x" + buf;
    auto chunk = decode_rtm_neigh(std::string_view(shifted).substr(1));
    EXPECT_EQ(chunk.malformed, 0u);
    EXPECT_FALSE(chunk.done);
    ASSERT_EQ(chunk.rows.size(), 2u);
    EXPECT_EQ(chunk.rows[0].address, "fe80::1");
    EXPECT_TRUE(chunk.rows[0].is_router);
    EXPECT_EQ(net::neighbor_flag_names(chunk.rows[0].flags), std::vector<std::string>{"router"});
    EXPECT_EQ(net::neighbor_state_names(*chunk.rows[0].state), "STALE");
    EXPECT_EQ(chunk.rows[1].address, "2001:db8::7");
    EXPECT_FALSE(chunk.rows[1].mac.has_value());
    EXPECT_EQ(net::neighbor_state_names(*chunk.rows[1].state), "INCOMPLETE");
}

TEST(RtnetlinkNeigh, MalformedMessagesAreRejected) {
    const std::string good =
        neigh_msg(AF_INET, 2, NUD_STALE, 0, attr(NDA_DST, ip(AF_INET, "10.0.0.1")));
    // An IPv6-sized destination in an IPv4 message.
    auto wrong_size = decode_rtm_neigh(
        neigh_msg(AF_INET, 2, NUD_STALE, 0, attr(NDA_DST, ip(AF_INET6, "::1"))) + good);
    EXPECT_EQ(wrong_size.malformed, 1u);
    ASSERT_EQ(wrong_size.rows.size(), 1u);
    EXPECT_EQ(wrong_size.rows[0].address, "10.0.0.1");
    // An attribute whose length runs past the message: nothing of it is believed.
    std::string overlong = attr(NDA_DST, ip(AF_INET, "10.0.0.9"), 200);
    EXPECT_EQ(decode_rtm_neigh(neigh_msg(AF_INET, 2, NUD_STALE, 0, overlong)).malformed, 1u);
    // rta_len below the attribute header.
    EXPECT_EQ(
        decode_rtm_neigh(neigh_msg(AF_INET, 2, NUD_STALE, 0, attr(NDA_DST, "", 2))).rows.size(),
        0u);
    // No destination at all; a foreign family (bridge FDB); a wrong message type.
    EXPECT_EQ(decode_rtm_neigh(neigh_msg(AF_INET, 2, NUD_STALE, 0, "")).malformed, 1u);
    EXPECT_EQ(decode_rtm_neigh(
                  neigh_msg(AF_BRIDGE, 2, NUD_STALE, 0, attr(NDA_DST, ip(AF_INET, "10.0.0.1"))))
                  .malformed,
              1u);
    EXPECT_EQ(decode_rtm_neigh(nl_msg(RTM_NEWROUTE, good.substr(NLMSG_HDRLEN))).malformed, 1u);
    // Shorter than ndmsg.
    EXPECT_EQ(decode_rtm_neigh(nl_msg(RTM_NEWNEIGH, std::string(4, '\0'))).malformed, 1u);
    // A buffer cut inside the second message's header, and one whose nlmsg_len lies.
    auto cut = decode_rtm_neigh(good + good.substr(0, 10));
    EXPECT_EQ(cut.rows.size(), 1u);
    EXPECT_EQ(cut.malformed, 1u);
    auto lying = decode_rtm_neigh(nl_msg(RTM_NEWNEIGH, good.substr(NLMSG_HDRLEN), 4096) + good);
    EXPECT_EQ(lying.rows.size(), 0u);
    EXPECT_EQ(lying.malformed, 1u);
}

TEST(RtnetlinkNeigh, ErrorReplyStopsTheDump) {
    nlmsgerr e{};
    e.error = -EPERM;
    auto chunk = decode_rtm_neigh(
        nl_msg(NLMSG_ERROR, bytes_of(e)) +
        neigh_msg(AF_INET, 2, NUD_STALE, 0, attr(NDA_DST, ip(AF_INET, "10.0.0.1"))));
    EXPECT_EQ(chunk.error, EPERM);
    EXPECT_TRUE(chunk.rows.empty());
}

TEST(RtnetlinkRoute, Ipv4DefaultRoute) {
    rtmsg m = route_header(AF_INET, 0, RT_TABLE_MAIN, RTPROT_DHCP, RT_SCOPE_UNIVERSE, RTN_UNICAST);
    auto chunk = decode_rtm_route(
        nl_msg(RTM_NEWROUTE, bytes_of(m) + attr(RTA_TABLE, u32(RT_TABLE_MAIN)) +
                                 attr(RTA_GATEWAY, ip(AF_INET, "10.0.0.1")) +
                                 attr(RTA_OIF, u32(2)) + attr(RTA_PRIORITY, u32(100)) +
                                 attr(RTA_PREFSRC, ip(AF_INET, "10.0.0.5"))) +
        rtnl_done_msg());
    EXPECT_TRUE(chunk.done);
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 1u);
    const auto& r = chunk.rows[0];
    EXPECT_EQ(r.destination, "0.0.0.0/0");  // no RTA_DST: the default route
    EXPECT_EQ(r.gateway, "10.0.0.1");
    EXPECT_EQ(r.interface_index, 2);
    EXPECT_EQ(r.metric, 100u);
    EXPECT_EQ(r.preferred_source, "10.0.0.5");
    EXPECT_EQ(net::route_table_name(*r.table), "main");
    EXPECT_EQ(net::route_protocol_name(*r.protocol), "dhcp");
    EXPECT_EQ(net::scope_name(*r.scope), "global");
    EXPECT_EQ(net::route_type_name(*r.type), "unicast");
}

TEST(RtnetlinkRoute, Ipv6RouteInAHighTableAndMetricDefault) {
    rtmsg m = route_header(AF_INET6, 32, RT_TABLE_COMPAT, RTPROT_STATIC, RT_SCOPE_UNIVERSE,
                           RTN_BLACKHOLE);
    rtmsg local = route_header(AF_INET, 8, RT_TABLE_LOCAL, RTPROT_KERNEL, RT_SCOPE_HOST, RTN_LOCAL);
    auto chunk = decode_rtm_route(
        nl_msg(RTM_NEWROUTE, bytes_of(m) + attr(RTA_DST, ip(AF_INET6, "2001:db8::")) +
                                 attr(RTA_TABLE, u32(1000)) + attr(RTA_OIF, u32(1)) +
                                 attr(RTA_PRIORITY, u32(1024))) +
        // IPv4 leaves RTA_PRIORITY out when it is 0.
        nl_msg(RTM_NEWROUTE, bytes_of(local) + attr(RTA_DST, ip(AF_INET, "127.0.0.0"))));
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 2u);
    EXPECT_EQ(chunk.rows[0].destination, "2001:db8::/32");
    EXPECT_FALSE(chunk.rows[0].gateway.has_value());
    EXPECT_EQ(chunk.rows[0].table, 1000u);  // RTA_TABLE wins over the 8-bit rtm_table
    EXPECT_EQ(net::route_table_name(*chunk.rows[0].table), "1000");
    EXPECT_EQ(net::route_type_name(*chunk.rows[0].type), "blackhole");
    EXPECT_EQ(net::route_protocol_name(*chunk.rows[0].protocol), "static");
    EXPECT_EQ(chunk.rows[1].destination, "127.0.0.0/8");
    EXPECT_EQ(chunk.rows[1].metric, 0u);
    EXPECT_EQ(net::route_table_name(*chunk.rows[1].table), "local");
    EXPECT_EQ(net::scope_name(*chunk.rows[1].scope), "host");
}

TEST(RtnetlinkRoute, MultipathGivesOneRowPerNextHop) {
    auto nexthop = [](int ifindex, const char* gw) {
        std::string attrs = attr(RTA_GATEWAY, ip(AF_INET, gw));
        rtnexthop nh{};
        nh.rtnh_len = static_cast<unsigned short>(RTNH_LENGTH(attrs.size()));
        nh.rtnh_ifindex = ifindex;
        return bytes_of(nh) + attrs;
    };
    rtmsg m = route_header(AF_INET, 24, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST);
    auto chunk = decode_rtm_route(nl_msg(
        RTM_NEWROUTE, bytes_of(m) + attr(RTA_DST, ip(AF_INET, "10.9.0.0")) +
                          attr(RTA_MULTIPATH, nexthop(2, "10.0.0.1") + nexthop(3, "10.1.0.1"))));
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 2u);
    EXPECT_EQ(chunk.rows[0].gateway, "10.0.0.1");
    EXPECT_EQ(chunk.rows[0].interface_index, 2);
    EXPECT_EQ(chunk.rows[0].nexthop, 0);
    EXPECT_EQ(chunk.rows[1].gateway, "10.1.0.1");
    EXPECT_EQ(chunk.rows[1].interface_index, 3);
    EXPECT_EQ(chunk.rows[1].nexthop, 1);
    EXPECT_EQ(chunk.rows[1].destination, "10.9.0.0/24");
    // A next hop claiming more bytes than the attribute holds.
    rtnexthop bad{};
    bad.rtnh_len = 64;
    EXPECT_EQ(
        decode_rtm_route(nl_msg(RTM_NEWROUTE, bytes_of(m) + attr(RTA_MULTIPATH, bytes_of(bad))))
            .malformed,
        1u);
}

TEST(RtnetlinkRoute, MalformedRoutesAreRejected) {
    rtmsg too_long = route_header(AF_INET, 33, RT_TABLE_MAIN, 0, 0, RTN_UNICAST);
    EXPECT_EQ(decode_rtm_route(nl_msg(RTM_NEWROUTE, bytes_of(too_long))).malformed, 1u);
    rtmsg m = route_header(AF_INET, 24, RT_TABLE_MAIN, 0, 0, RTN_UNICAST);
    // A 3-byte gateway, a 2-byte RTA_OIF, a truncated rtmsg.
    EXPECT_EQ(
        decode_rtm_route(nl_msg(RTM_NEWROUTE, bytes_of(m) + attr(RTA_GATEWAY, "abc"))).malformed,
        1u);
    EXPECT_EQ(decode_rtm_route(nl_msg(RTM_NEWROUTE, bytes_of(m) + attr(RTA_OIF, "ab"))).malformed,
              1u);
    EXPECT_EQ(decode_rtm_route(nl_msg(RTM_NEWROUTE, bytes_of(m).substr(0, 5))).malformed, 1u);
}

TEST(RtnetlinkLink, LinkWithMacPromiscAndCounters) {
    ifinfomsg m{};
    m.ifi_family = AF_UNSPEC;
    m.ifi_index = 2;
    m.ifi_flags = IFF_UP | IFF_BROADCAST | IFF_PROMISC | IFF_RUNNING;
    uint64_t stats[8] = {11, 22, 3000, 4000, 0, 0, 0, 0};  // rx/tx packets, rx/tx bytes ...
    std::string attrs =
        attr(IFLA_IFNAME, std::string("eth0\0", 5)) + attr(IFLA_ADDRESS, k_mac) +
        attr(IFLA_MTU, u32(1500)) + attr(IFLA_OPERSTATE, std::string(1, '\x06')) +
        attr(IFLA_STATS64, std::string(reinterpret_cast<char*>(stats), sizeof stats));
    auto chunk = decode_rtm_link(nl_msg(RTM_NEWLINK, bytes_of(m) + attrs) + rtnl_done_msg());
    EXPECT_TRUE(chunk.done);
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 1u);
    const auto& l = chunk.rows[0];
    EXPECT_EQ(l.name, "eth0");
    EXPECT_EQ(l.index, 2);
    EXPECT_EQ(l.mac, "02:ab:cd:00:00:05");
    EXPECT_EQ(l.mtu, 1500u);
    EXPECT_EQ(net::operstate_name(*l.operstate), "UP");
    EXPECT_EQ(net::link_flag_names(*l.flags),
              (std::vector<std::string>{"UP", "BROADCAST", "RUNNING", "PROMISC"}));
    ASSERT_TRUE(l.stats.has_value());
    EXPECT_EQ(l.stats->rx_packets, 11u);
    EXPECT_EQ(l.stats->tx_packets, 22u);
    EXPECT_EQ(l.stats->rx_bytes, 3000u);
    EXPECT_EQ(l.stats->tx_bytes, 4000u);
    // No name: malformed. Stats shorter than four counters: malformed.
    EXPECT_EQ(
        decode_rtm_link(nl_msg(RTM_NEWLINK, bytes_of(m) + attr(IFLA_MTU, u32(1500)))).malformed,
        1u);
    EXPECT_EQ(decode_rtm_link(nl_msg(RTM_NEWLINK, bytes_of(m) + attr(IFLA_IFNAME, "x") +
                                                      attr(IFLA_STATS64, std::string(8, '\0'))))
                  .malformed,
              1u);
    // Unnamed flag bits stay visible.
    EXPECT_EQ(net::link_flag_names(0x80000000u), std::vector<std::string>{"0x80000000"});
}

TEST(RtnetlinkAddr, Ipv4AddressWithBroadcastAndLabel) {
    ifaddrmsg m{};
    m.ifa_family = AF_INET;
    m.ifa_prefixlen = 24;
    m.ifa_scope = RT_SCOPE_UNIVERSE;
    m.ifa_index = 2;
    std::string attrs = attr(IFA_ADDRESS, ip(AF_INET, "192.0.2.99")) +
                        attr(IFA_LOCAL, ip(AF_INET, "192.0.2.10")) +
                        attr(IFA_BROADCAST, ip(AF_INET, "192.0.2.255")) +
                        attr(IFA_LABEL, std::string("eth0\0", 5)) + attr(IFA_FLAGS, u32(0x80));
    ifaddrmsg m6{};
    m6.ifa_family = AF_INET6;
    m6.ifa_prefixlen = 64;
    m6.ifa_scope = RT_SCOPE_LINK;
    m6.ifa_index = 2;
    auto chunk = decode_rtm_addr(
        nl_msg(RTM_NEWADDR, bytes_of(m) + attrs) +
        nl_msg(RTM_NEWADDR, bytes_of(m6) + attr(IFA_ADDRESS, ip(AF_INET6, "fe80::1"))));
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 2u);
    const auto& a = chunk.rows[0];
    EXPECT_EQ(a.address, "192.0.2.10");  // IFA_LOCAL; IFA_ADDRESS would be a peer
    EXPECT_EQ(a.prefix_length, 24);
    EXPECT_EQ(a.broadcast, "192.0.2.255");
    EXPECT_EQ(a.interface, "eth0");
    EXPECT_EQ(a.interface_index, 2);
    EXPECT_EQ(a.flags, 0x80u);
    EXPECT_EQ(net::scope_name(a.scope), "global");
    EXPECT_EQ(chunk.rows[1].address, "fe80::1");
    EXPECT_EQ(net::scope_name(chunk.rows[1].scope), "link");
    // A prefix longer than the family allows; no address at all.
    m.ifa_prefixlen = 40;
    EXPECT_EQ(decode_rtm_addr(nl_msg(RTM_NEWADDR, bytes_of(m) + attrs)).malformed, 1u);
    m.ifa_prefixlen = 24;
    EXPECT_EQ(decode_rtm_addr(nl_msg(RTM_NEWADDR, bytes_of(m) + attr(IFA_LABEL, "x"))).malformed,
              1u);
}

TEST(NetStateNames, StatesFlagsAndUnknownCodes) {
    EXPECT_EQ(net::neighbor_state_names(0), "NONE");
    EXPECT_EQ(net::neighbor_state_names(NUD_STALE | NUD_PROBE), "STALE|PROBE");
    EXPECT_EQ(net::neighbor_state_names(NUD_PERMANENT), "PERMANENT");
    EXPECT_EQ(net::arp_flag_names(0x6), (std::vector<std::string>{"complete", "permanent"}));
    EXPECT_EQ(net::route_protocol_name(RTPROT_RA), "ra");
    EXPECT_EQ(net::route_protocol_name(250), "250");
    EXPECT_EQ(net::route_type_name(RTN_UNREACHABLE), "unreachable");
    EXPECT_EQ(net::family_name(AF_INET6), "ipv6");
    EXPECT_EQ(net::format_mac(std::string("\xff\x00", 2)), "ff:00");
}

TEST(RtnetlinkLive, LoopbackLinkAddressAndLocalRoute) {
    auto links = netlink::dump_links();
    ASSERT_TRUE(links.ok()) << links.error().message;
    int lo = 0;
    for (const auto& l : *links) {
        if (l.flags && (*l.flags & IFF_LOOPBACK)) lo = l.index;
    }
    ASSERT_NE(lo, 0) << "no loopback link";
    auto addresses = netlink::dump_addresses(AF_INET);
    ASSERT_TRUE(addresses.ok()) << addresses.error().message;
    bool found = false;
    for (const auto& a : *addresses) {
        found =
            found || (a.interface_index == lo && a.address == "127.0.0.1" && a.prefix_length == 8);
    }
    EXPECT_TRUE(found) << "127.0.0.1/8 not on the loopback link";
    auto routes = netlink::dump_routes(AF_INET);
    ASSERT_TRUE(routes.ok()) << routes.error().message;
    found = false;
    for (const auto& r : *routes) {
        found = found || (r.destination == "127.0.0.0/8" && r.table == RT_TABLE_LOCAL);
    }
    EXPECT_TRUE(found) << "no 127.0.0.0/8 route in the local table";
    for (int family : {AF_INET, AF_INET6}) {
        auto neighbors = netlink::dump_neighbors(family);
        EXPECT_TRUE(neighbors.ok()) << neighbors.error().message;
    }
}
