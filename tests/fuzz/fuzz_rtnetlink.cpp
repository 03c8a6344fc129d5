// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: NETLINK_ROUTE dump buffers fed to all four rtnetlink decoders (neighbours,
// routes, links, addresses).
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/rtnetlink.hpp"

using namespace irsnap;

namespace {

bool is_inet(int family) {
    return family == AF_INET || family == AF_INET6;
}

/// The text parses back in its family: what inet_ntop made, nothing invented.
bool parses_as(int family, const std::string& text) {
    unsigned char raw[16];
    return inet_pton(family, text.c_str(), raw) == 1;
}

bool is_mac(const std::string& mac) {
    if ((mac.size() + 1) % 3 != 0) return false;
    for (size_t i = 0; i < mac.size(); ++i) {
        const char c = mac[i];
        if (i % 3 == 2 ? c != ':' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

template <typename Chunk>
void check_counts(const Chunk& c, size_t size, size_t rows_per_message) {
    // Each message, row or skipped, spends at least one header; plus one trailing fragment.
    FUZZ_CHECK(c.rows.size() <= (size / sizeof(nlmsghdr) + 1) * rows_per_message);
    FUZZ_CHECK(c.malformed <= size / sizeof(nlmsghdr) + 1);
    FUZZ_CHECK(c.error >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = fuzz::as_text(data, size);

    const auto neigh = netlink::decode_rtm_neigh(bytes);
    check_counts(neigh, size, 1);
    for (const auto& r : neigh.rows) {
        FUZZ_CHECK(is_inet(r.family) && parses_as(r.family, r.address));
        FUZZ_CHECK(!r.mac || is_mac(*r.mac));
        FUZZ_CHECK(r.state && !net::neighbor_state_names(*r.state).empty());
    }

    // A multipath route gives one row per next hop (8 bytes each at least).
    const auto routes = netlink::decode_rtm_route(bytes);
    check_counts(routes, size, size / 8 + 1);
    for (const auto& r : routes.rows) {
        FUZZ_CHECK(is_inet(r.family));
        const size_t slash = r.destination.find('/');
        FUZZ_CHECK(slash != std::string::npos);
        FUZZ_CHECK(parses_as(r.family, r.destination.substr(0, slash)));
        const int length = std::stoi(r.destination.substr(slash + 1));
        FUZZ_CHECK(length >= 0 && length <= (r.family == AF_INET ? 32 : 128));
        FUZZ_CHECK(!r.gateway || parses_as(r.family, *r.gateway));
        FUZZ_CHECK(!r.preferred_source || parses_as(r.family, *r.preferred_source));
    }

    const auto links = netlink::decode_rtm_link(bytes);
    check_counts(links, size, 1);
    for (const auto& l : links.rows) {
        FUZZ_CHECK(!l.name.empty() && l.name.find('\0') == std::string::npos);
        FUZZ_CHECK(!l.mac || l.mac->empty() || is_mac(*l.mac));
        FUZZ_CHECK(!l.flags || net::link_flag_names(*l.flags).size() <= 32);
    }

    const auto addresses = netlink::decode_rtm_addr(bytes);
    check_counts(addresses, size, 1);
    for (const auto& a : addresses.rows) {
        FUZZ_CHECK(is_inet(a.family) && parses_as(a.family, a.address));
        FUZZ_CHECK(a.prefix_length <= (a.family == AF_INET ? 32 : 128));
        FUZZ_CHECK(!a.broadcast || parses_as(a.family, *a.broadcast));
    }

    // Pure: the same bytes decode the same way at another (odd) address.
    const std::string copy = " " + std::string(bytes);
    const auto again = netlink::decode_rtm_route(std::string_view(copy).substr(1));
    FUZZ_CHECK(again.rows.size() == routes.rows.size() && again.malformed == routes.malformed &&
               again.done == routes.done && again.error == routes.error);
    return 0;
}
