// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/rtnetlink.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>
#include <string>

#include "irsnap/linux/netlink_dump.hpp"

namespace irsnap::netlink {
namespace {

using net::AddressRow;
using net::LinkRow;
using net::NeighborRow;
using net::RouteRow;

/// Calls `fn(type, payload)` for each rtattr in `attrs`; false when a length does not fit (then
/// nothing in the message is believed). Fewer than 4 trailing bytes are alignment padding.
bool for_each_attr(std::string_view attrs,
                   const std::function<bool(uint16_t, std::string_view)>& fn) {
    while (attrs.size() >= sizeof(rtattr)) {
        rtattr a{};
        std::memcpy(&a, attrs.data(), sizeof a);
        if (a.rta_len < sizeof a || a.rta_len > attrs.size()) return false;
        // Nested/byte-order marker bits are not part of the type.
        const uint16_t type = a.rta_type & NLA_TYPE_MASK;
        if (!fn(type, attrs.substr(RTA_LENGTH(0), a.rta_len - RTA_LENGTH(0)))) return false;
        attrs.remove_prefix(std::min<size_t>(RTA_ALIGN(a.rta_len), attrs.size()));
    }
    return attrs.empty() || attrs.size() < RTA_ALIGNTO;
}

template <typename Header>
bool split(std::string_view payload, Header& h, std::string_view& attrs) {
    if (payload.size() < sizeof h) return false;
    std::memcpy(&h, payload.data(), sizeof h);
    const size_t skip = NLMSG_ALIGN(sizeof h);
    attrs = payload.size() > skip ? payload.substr(skip) : std::string_view{};
    return true;
}

/// An address attribute of `family`: exactly 4 or 16 bytes, rendered by inet_ntop.
bool address_of(int family, std::string_view raw, std::string& out) {
    const size_t want = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    if (want == 0 || raw.size() != want) return false;
    unsigned char bytes[16] = {};
    std::memcpy(bytes, raw.data(), want);
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(family, bytes, buf, sizeof buf)) return false;
    out = buf;
    return true;
}

template <typename T>
bool scalar_of(std::string_view raw, T& out) {
    if (raw.size() < sizeof out) return false;
    std::memcpy(&out, raw.data(), sizeof out);
    return true;
}

/// A NUL-terminated (or not) string attribute, up to the first NUL.
std::string string_of(std::string_view raw) {
    return std::string(raw.substr(0, raw.find('\0')));
}

bool decode_neigh(uint16_t type, std::string_view payload, std::vector<NeighborRow>& rows) {
    ndmsg m{};
    std::string_view attrs;
    if (type != RTM_NEWNEIGH || !split(payload, m, attrs)) return false;
    if (m.ndm_family != AF_INET && m.ndm_family != AF_INET6) return false;
    NeighborRow row;
    row.family = m.ndm_family;
    row.interface_index = m.ndm_ifindex;
    row.state = m.ndm_state;
    row.flags = m.ndm_flags;
    row.is_router = (m.ndm_flags & NTF_ROUTER) != 0;
    bool have_dst = false;
    const bool ok = for_each_attr(attrs, [&](uint16_t t, std::string_view v) {
        if (t == NDA_DST) return have_dst = address_of(row.family, v, row.address);
        if (t == NDA_LLADDR) {
            if (!v.empty()) row.mac = net::format_mac(v);
        }
        return true;
    });
    if (!ok || !have_dst) return false;
    rows.push_back(std::move(row));
    return true;
}

/// One row per next hop of RTA_MULTIPATH (rtnexthop + its own RTA_GATEWAY ...).
bool split_multipath(const RouteRow& base, std::string_view raw, std::vector<RouteRow>& out) {
    uint16_t index = 0;
    while (raw.size() >= sizeof(rtnexthop)) {
        rtnexthop nh{};
        std::memcpy(&nh, raw.data(), sizeof nh);
        if (nh.rtnh_len < sizeof nh || nh.rtnh_len > raw.size()) return false;
        RouteRow row = base;
        row.nexthop = index++;
        row.interface_index = nh.rtnh_ifindex;
        const std::string_view attrs = raw.substr(RTNH_LENGTH(0), nh.rtnh_len - RTNH_LENGTH(0));
        const bool ok = for_each_attr(attrs, [&](uint16_t t, std::string_view v) {
            if (t != RTA_GATEWAY) return true;
            std::string gw;
            if (!address_of(row.family, v, gw)) return false;
            row.gateway = gw;
            return true;
        });
        if (!ok) return false;
        out.push_back(std::move(row));
        raw.remove_prefix(std::min<size_t>(RTNH_ALIGN(nh.rtnh_len), raw.size()));
    }
    return raw.empty() && index > 0;
}

bool decode_route(uint16_t type, std::string_view payload, std::vector<RouteRow>& rows) {
    rtmsg m{};
    std::string_view attrs;
    if (type != RTM_NEWROUTE || !split(payload, m, attrs)) return false;
    if (m.rtm_family != AF_INET && m.rtm_family != AF_INET6) return false;
    const unsigned max_len = m.rtm_family == AF_INET ? 32 : 128;
    if (m.rtm_dst_len > max_len) return false;
    RouteRow row;
    row.family = m.rtm_family;
    row.table = m.rtm_table;
    row.protocol = m.rtm_protocol;
    row.scope = m.rtm_scope;
    row.type = m.rtm_type;
    row.metric = 0;  // IPv4 omits RTA_PRIORITY when it is 0
    std::string dst = m.rtm_family == AF_INET ? "0.0.0.0" : "::";
    std::string_view multipath;
    bool have_multipath = false;
    const bool ok = for_each_attr(attrs, [&](uint16_t t, std::string_view v) {
        std::string text;
        uint32_t n = 0;
        switch (t) {
            case RTA_DST:
                return address_of(row.family, v, dst);
            case RTA_GATEWAY:
                if (!address_of(row.family, v, text)) return false;
                row.gateway = text;
                return true;
            case RTA_PREFSRC:
                if (!address_of(row.family, v, text)) return false;
                row.preferred_source = text;
                return true;
            case RTA_OIF:
                return scalar_of(v, row.interface_index);
            case RTA_PRIORITY:
                if (!scalar_of(v, n)) return false;
                row.metric = n;
                return true;
            case RTA_TABLE:  // rtm_table is 8 bits; ids above 255 only come here
                if (!scalar_of(v, n)) return false;
                row.table = n;
                return true;
            case RTA_MULTIPATH:
                multipath = v;
                have_multipath = true;
                return true;
            default:
                return true;
        }
    });
    if (!ok) return false;
    row.destination = dst + "/" + std::to_string(m.rtm_dst_len);
    if (have_multipath) return split_multipath(row, multipath, rows);
    rows.push_back(std::move(row));
    return true;
}

bool decode_link(uint16_t type, std::string_view payload, std::vector<LinkRow>& rows) {
    ifinfomsg m{};
    std::string_view attrs;
    if (type != RTM_NEWLINK || !split(payload, m, attrs)) return false;
    LinkRow row;
    row.index = m.ifi_index;
    row.flags = m.ifi_flags;
    bool have_name = false;
    const bool ok = for_each_attr(attrs, [&](uint16_t t, std::string_view v) {
        uint32_t n = 0;
        uint8_t state = 0;
        switch (t) {
            case IFLA_IFNAME:
                row.name = string_of(v);
                have_name = !row.name.empty();
                return true;
            case IFLA_ADDRESS:
                if (!v.empty()) row.mac = net::format_mac(v);
                return true;
            case IFLA_MTU:
                if (!scalar_of(v, n)) return false;
                row.mtu = n;
                return true;
            case IFLA_OPERSTATE:
                if (!scalar_of(v, state)) return false;
                row.operstate = state;
                return true;
            case IFLA_STATS64: {
                // The first four u64 of rtnl_link_stats64: rx/tx packets, rx/tx bytes. Older
                // kernels send a shorter struct than today's headers: read only what we need.
                uint64_t s[4];
                if (v.size() < sizeof s) return false;
                std::memcpy(s, v.data(), sizeof s);
                row.stats = net::LinkStats{s[2], s[3], s[0], s[1]};
                return true;
            }
            default:
                return true;
        }
    });
    if (!ok || !have_name) return false;
    rows.push_back(std::move(row));
    return true;
}

bool decode_addr(uint16_t type, std::string_view payload, std::vector<AddressRow>& rows) {
    ifaddrmsg m{};
    std::string_view attrs;
    if (type != RTM_NEWADDR || !split(payload, m, attrs)) return false;
    if (m.ifa_family != AF_INET && m.ifa_family != AF_INET6) return false;
    if (m.ifa_prefixlen > (m.ifa_family == AF_INET ? 32 : 128)) return false;
    AddressRow row;
    row.family = m.ifa_family;
    row.interface_index = static_cast<int32_t>(m.ifa_index);
    row.prefix_length = m.ifa_prefixlen;
    row.scope = m.ifa_scope;
    row.flags = m.ifa_flags;
    std::string local, address;
    const bool ok = for_each_attr(attrs, [&](uint16_t t, std::string_view v) {
        std::string text;
        switch (t) {
            case IFA_LOCAL:
                return address_of(row.family, v, local);
            case IFA_ADDRESS:
                return address_of(row.family, v, address);
            case IFA_BROADCAST:
                if (!address_of(row.family, v, text)) return false;
                row.broadcast = text;
                return true;
            case IFA_LABEL:
                row.interface = string_of(v);
                return true;
            case IFA_FLAGS:  // the 32-bit flags supersede the 8-bit ifa_flags
                return scalar_of(v, row.flags);
            default:
                return true;
        }
    });
    row.address = local.empty() ? address : local;
    if (!ok || row.address.empty()) return false;
    rows.push_back(std::move(row));
    return true;
}

template <typename Row>
RtChunk<Row> decode_all(std::string_view bytes,
                        bool (*one)(uint16_t, std::string_view, std::vector<Row>&)) {
    RtChunk<Row> out;
    const WalkResult walk = walk_messages(
        bytes, nullptr, [&](uint16_t type, std::string_view p) { return one(type, p, out.rows); });
    out.done = walk.done;
    out.error = walk.error;
    out.malformed = walk.malformed;
    return out;
}

template <typename Row, typename Body>
Result<std::vector<Row>> dump_rows(uint16_t request_type, const Body& body, const std::string& what,
                                   bool (*one)(uint16_t, std::string_view, std::vector<Row>&)) {
    struct {
        nlmsghdr h;
        Body b;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = request_type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.b = body;
    std::vector<Row> rows;
    auto done = dump(NETLINK_ROUTE, &req, sizeof req, what,
                     [&](uint16_t type, std::string_view p) { return one(type, p, rows); });
    if (!done) return done.error();
    return rows;
}

std::string what(const char* object, int family) {
    return std::string("NETLINK_ROUTE ") + object + " " +
           (family == AF_UNSPEC ? std::string("all") : net::family_name(family));
}

}  // namespace

RtChunk<NeighborRow> decode_rtm_neigh(std::string_view bytes) {
    return decode_all<NeighborRow>(bytes, decode_neigh);
}

RtChunk<RouteRow> decode_rtm_route(std::string_view bytes) {
    return decode_all<RouteRow>(bytes, decode_route);
}

RtChunk<LinkRow> decode_rtm_link(std::string_view bytes) {
    return decode_all<LinkRow>(bytes, decode_link);
}

RtChunk<AddressRow> decode_rtm_addr(std::string_view bytes) {
    return decode_all<AddressRow>(bytes, decode_addr);
}

Result<std::vector<NeighborRow>> dump_neighbors(int family) {
    ndmsg body{};
    body.ndm_family = static_cast<uint8_t>(family);
    return dump_rows<NeighborRow>(RTM_GETNEIGH, body, what("neighbours", family), decode_neigh);
}

Result<std::vector<RouteRow>> dump_routes(int family) {
    rtmsg body{};
    body.rtm_family = static_cast<uint8_t>(family);
    return dump_rows<RouteRow>(RTM_GETROUTE, body, what("routes", family), decode_route);
}

Result<std::vector<LinkRow>> dump_links() {
    ifinfomsg body{};
    body.ifi_family = AF_UNSPEC;
    return dump_rows<LinkRow>(RTM_GETLINK, body, "NETLINK_ROUTE links", decode_link);
}

Result<std::vector<AddressRow>> dump_addresses(int family) {
    ifaddrmsg body{};
    body.ifa_family = static_cast<uint8_t>(family);
    return dump_rows<AddressRow>(RTM_GETADDR, body, what("addresses", family), decode_addr);
}

}  // namespace irsnap::netlink
