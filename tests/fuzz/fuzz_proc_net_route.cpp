// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/net arp, route, ipv6_route, dev and if_inet6 parsers, plus the hosts,
// resolv.conf and nsswitch.conf parsers of the network_config collector.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/etc_files.hpp"
#include "irsnap/linux/proc_net_route.hpp"

using namespace irsnap;

namespace {

size_t lines_in(std::string_view text) {
    size_t n = 1;
    for (char c : text) n += c == '\n';
    return n;
}

bool parses_as(int family, const std::string& text) {
    unsigned char raw[16];
    return inet_pton(family, text.c_str(), raw) == 1;
}

bool cidr_ok(int family, const std::string& cidr) {
    const size_t slash = cidr.find('/');
    if (slash == std::string::npos || !parses_as(family, cidr.substr(0, slash))) return false;
    const int length = std::stoi(cidr.substr(slash + 1));
    return length >= 0 && length <= (family == AF_INET ? 32 : 128);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const size_t lines = lines_in(text);
    size_t bad = 0;

    const auto arp = procfs::parse_proc_net_arp(text, &bad);
    FUZZ_CHECK(arp.size() + bad <= lines);
    for (const auto& r : arp) {
        FUZZ_CHECK(r.family == AF_INET && parses_as(AF_INET, r.address));
        FUZZ_CHECK(!r.mac || (r.arp_flags & 0x2));
    }

    const auto v4 = procfs::parse_proc_net_route(text, &bad);
    FUZZ_CHECK(v4.size() + bad <= lines);
    for (const auto& r : v4) {
        FUZZ_CHECK(cidr_ok(AF_INET, r.destination));
        FUZZ_CHECK(!r.gateway || parses_as(AF_INET, *r.gateway));
    }

    const auto v6 = procfs::parse_proc_net_ipv6_route(text, &bad);
    FUZZ_CHECK(v6.size() + bad <= lines);
    for (const auto& r : v6) {
        FUZZ_CHECK(cidr_ok(AF_INET6, r.destination));
        FUZZ_CHECK(!r.gateway || parses_as(AF_INET6, *r.gateway));
    }

    const auto dev = procfs::parse_proc_net_dev(text, &bad);
    FUZZ_CHECK(dev.size() + bad <= lines);
    for (const auto& l : dev) FUZZ_CHECK(!l.name.empty() && l.stats.has_value());

    const auto inet6 = procfs::parse_proc_net_if_inet6(text, &bad);
    FUZZ_CHECK(inet6.size() + bad <= lines);
    for (const auto& a : inet6)
        FUZZ_CHECK(parses_as(AF_INET6, a.address) && a.prefix_length <= 128);

    const auto hosts = etc::parse_etc_hosts(text, &bad);
    FUZZ_CHECK(hosts.size() + bad <= lines);
    for (const auto& h : hosts) {
        FUZZ_CHECK(!h.names.empty() && h.line >= 1 && h.line <= lines);
        FUZZ_CHECK(parses_as(AF_INET, h.address) || parses_as(AF_INET6, h.address));
        for (const auto& n : h.names) FUZZ_CHECK(!n.empty() && n.find('#') == std::string::npos);
    }
    for (const auto& d : etc::parse_resolv_conf(text)) {
        // Only a line that starts with '#' or ';' is a comment; an indented ';' is a keyword.
        FUZZ_CHECK(!d.keyword.empty() && d.keyword.find_first_of(" \t") == std::string::npos);
        FUZZ_CHECK(d.line >= 1 && d.line <= lines);
    }
    for (const auto& d : etc::parse_nsswitch_conf(text, &bad)) {
        FUZZ_CHECK(!d.keyword.empty() && d.keyword.find(':') == std::string::npos);
    }
    return 0;
}
