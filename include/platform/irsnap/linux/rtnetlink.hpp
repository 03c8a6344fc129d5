// SPDX-License-Identifier: Apache-2.0
// NETLINK_ROUTE dumps of the neighbour cache, routes, links and addresses: pure decoders over the
// bytes of one recv() buffer, and thin live dump functions (one socket per dump, see
// netlink_dump.hpp). Independent of the /proc/net text files (proc_net_route.hpp): a hook on one
// does not hide from the other. Interface names are not in neighbour/route/address messages
// (only indexes): the collectors join them with a link dump.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "irsnap/linux/net_state.hpp"
#include "irsnap/result.hpp"

namespace irsnap::netlink {

/// Result of decoding one buffer of an rtnetlink dump.
template <typename Row>
struct RtChunk {
    std::vector<Row> rows;
    bool done = false;     ///< NLMSG_DONE seen
    int error = 0;         ///< errno from NLMSG_ERROR (positive), 0 if none
    size_t malformed = 0;  ///< messages rejected: short, bad attribute lengths, foreign type
};

/// Pure: RTM_NEWNEIGH messages (ndmsg + NDA_* attributes). A message whose attributes do not
/// fit, whose family is not inet/inet6 or whose NDA_DST has the wrong size is malformed.
RtChunk<net::NeighborRow> decode_rtm_neigh(std::string_view bytes);

/// Pure: RTM_NEWROUTE messages (rtmsg + RTA_*). RTA_MULTIPATH gives one row per next hop.
RtChunk<net::RouteRow> decode_rtm_route(std::string_view bytes);

/// Pure: RTM_NEWLINK messages (ifinfomsg + IFLA_*). A link without IFLA_IFNAME is malformed.
RtChunk<net::LinkRow> decode_rtm_link(std::string_view bytes);

/// Pure: RTM_NEWADDR messages (ifaddrmsg + IFA_*). IFA_LOCAL is the address when present
/// (IFA_ADDRESS is then the peer of a point-to-point link).
RtChunk<net::AddressRow> decode_rtm_addr(std::string_view bytes);

/// Live dumps of the caller's network namespace. No privileges needed. Errors: stage "netlink".
Result<std::vector<net::NeighborRow>> dump_neighbors(int family);
Result<std::vector<net::RouteRow>> dump_routes(int family);
Result<std::vector<net::LinkRow>> dump_links();
/// `family` AF_INET, AF_INET6 or AF_UNSPEC (both).
Result<std::vector<net::AddressRow>> dump_addresses(int family);

}  // namespace irsnap::netlink
