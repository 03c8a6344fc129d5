// SPDX-License-Identifier: Apache-2.0
// Internet sockets of one network namespace, read through NETLINK_SOCK_DIAG and through
// /proc/net and reconciled. Each table is read netlink -> /proc -> netlink: a socket both
// netlink dumps saw and /proc did not is hidden from /proc (a hooked seq file), while a socket
// only one of the three reads saw merely opened or closed in between, which is churn.
#include <netinet/in.h>
#include <sys/socket.h>

#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/linux/sock_diag.hpp"
#include "network_linux.hpp"

namespace irsnap::collectors::network_linux {
namespace {

using nlohmann::json;
using procfs::InetSocketRow;

struct Table {
    const char* protocol_name;
    int protocol;
    int family;
    const char* proc_file;  ///< relative to the namespace's proc dir
    bool netlink = true;    ///< whether sock_diag is asked for this table
};

constexpr Table k_tables[] = {
    {"tcp", IPPROTO_TCP, AF_INET, "net/tcp"},
    {"tcp", IPPROTO_TCP, AF_INET6, "net/tcp6"},
    {"udp", IPPROTO_UDP, AF_INET, "net/udp"},
    {"udp", IPPROTO_UDP, AF_INET6, "net/udp6"},
    {"udplite", IPPROTO_UDPLITE, AF_INET, "net/udplite"},
    {"udplite", IPPROTO_UDPLITE, AF_INET6, "net/udplite6"},
    // Raw sockets (sniffers, ICMP backdoors): /proc only. raw_diag is often not loaded, and its
    // per-protocol filter is unverified here; asking it wrongly would invent discrepancies.
    {"raw", IPPROTO_RAW, AF_INET, "net/raw", false},
    {"raw", IPPROTO_RAW, AF_INET6, "net/raw6", false},
};

/// Sockets with an inode are keyed by it; inode-less ones (TIME_WAIT) by their endpoints.
using Key = std::tuple<uint64_t, std::string, uint16_t, std::string, uint16_t>;

Key key_of(const InetSocketRow& r) {
    if (r.inode != 0) return {r.inode, {}, 0, {}, 0};
    return {0, r.local_address, r.local_port, r.remote_address, r.remote_port};
}

struct Sighting {
    InetSocketRow row;
    bool first_dump = false;
    bool proc = false;
    bool second_dump = false;
};

/// One netlink dump; nullopt when this view is unavailable for the table (recorded).
std::optional<std::vector<InetSocketRow>> dump(const Table& t, const NetnsView& ns,
                                               RecordSink& sink) {
    auto rows = netlink::dump_inet_sockets(t.family, t.protocol, ns.ns_fd ? ns.ns_fd.get() : -1);
    if (rows) return std::move(*rows);
    const int code = rows.error().code;
    // UDP-Lite is often not built into the kernel: absent, not denied.
    if (t.protocol == IPPROTO_UDPLITE &&
        (code == ENOENT || code == EPROTONOSUPPORT || code == EINVAL)) {
        return std::nullopt;
    }
    auto e = rows.error();
    e.path = fmt::format("netlink sock_diag {} {}, {}", t.protocol_name,
                         t.family == AF_INET ? "ipv4" : "ipv6", ns.label());
    sink.item_error(e);
    return std::nullopt;
}

std::optional<std::vector<InetSocketRow>> read_proc_table(const NetnsView& ns, const Table& t,
                                                          RecordSink& sink) {
    auto text = read_net_table(ns, t.proc_file, sink);
    if (!text) return std::nullopt;
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_inet(*text, t.family, &malformed);
    if (malformed) {
        sink.item_error(
            ItemError::without_code("parse", fmt::format("{} ({})", t.proc_file, ns.label()),
                                    fmt::format("{} malformed row(s) skipped", malformed)));
    }
    return rows;
}

json record(const Table& t, const Sighting& s, bool netlink_available, const NetnsView& ns) {
    const auto& r = s.row;
    json views = json::array();
    if (s.first_dump || s.second_dump) views.push_back("netlink");
    if (s.proc) views.push_back("proc");
    std::string discrepancy;
    if (netlink_available && s.first_dump && s.second_dump && !s.proc) {
        discrepancy = "hidden from /proc/net";
    } else if (netlink_available && s.proc && !s.first_dump && !s.second_dump) {
        discrepancy = "missing from netlink";
    }
    return {{"protocol", t.protocol_name},
            {"family", t.family == AF_INET ? "ipv4" : "ipv6"},
            {"local_address", r.local_address},
            {"local_port", r.local_port},
            {"remote_address", r.remote_address},
            {"remote_port", r.remote_port},
            {"state", procfs::tcp_state_name(r.state)},
            {"inode", r.inode},
            {"uid", r.uid},
            {"tx_queue", r.tx_queue},
            {"rx_queue", r.rx_queue},
            {"netns", ns.inode ? json(ns.inode) : json(nullptr)},
            {"views", views},
            {"cross_view_discrepancy", !discrepancy.empty()},
            {"discrepancy", discrepancy.empty() ? json(nullptr) : json(discrepancy)}};
}

}  // namespace

void emit_inet_sockets(const Context& ctx, const NetnsView& ns, bool netlink,
                       std::set<uint64_t>& seen, RecordSink& sink) {
    for (const auto& t : k_tables) {
        if (ctx.should_stop()) return;
        std::map<Key, Sighting> sightings;
        auto mark = [&](const std::optional<std::vector<InetSocketRow>>& rows,
                        bool Sighting::*flag) {
            if (!rows) return;
            for (const auto& r : *rows) {
                auto& s = sightings[key_of(r)];
                if (!s.first_dump && !s.proc && !s.second_dump) s.row = r;
                s.*flag = true;
            }
        };
        auto first = netlink && t.netlink ? dump(t, ns, sink) : std::nullopt;
        mark(first, &Sighting::first_dump);
        mark(read_proc_table(ns, t, sink), &Sighting::proc);
        auto second = first ? dump(t, ns, sink) : std::nullopt;
        mark(second, &Sighting::second_dump);
        const bool netlink_available = first.has_value() && second.has_value();
        for (const auto& [key, sighting] : sightings) {
            const bool churn = netlink_available && !sighting.proc &&
                               (sighting.first_dump != sighting.second_dump);
            if (churn) sink.race();
            if (sighting.row.inode) seen.insert(sighting.row.inode);
            sink.emit(record(t, sighting, netlink_available, ns));
        }
    }
}

void add_inet_table_inodes(const NetnsView& ns, std::set<uint64_t>& out) {
    NullSink quiet;
    for (const auto& t : k_tables) {
        if (auto rows = read_proc_table(ns, t, quiet)) {
            for (const auto& r : *rows) out.insert(r.inode);
        }
    }
}

}  // namespace irsnap::collectors::network_linux
