// SPDX-License-Identifier: Apache-2.0
// Internet sockets on Linux, read through NETLINK_SOCK_DIAG and through /proc/net and
// reconciled. Each table is read netlink -> /proc -> netlink: a socket both netlink dumps saw
// and /proc did not is hidden from /proc (a hooked seq file), while a socket only one of the
// three reads saw merely opened or closed in between, which is churn, not a finding.
#include <netinet/in.h>
#include <sys/socket.h>

#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/text.hpp"
#include "netstate/netstate_common.hpp"
#include "network.hpp"
#include "platform/linux/proc_net.hpp"
#include "platform/linux/sock_diag.hpp"
#include "platform/linux/socket_owners.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using procfs::InetSocketRow;

struct Table {
    const char* protocol_name;
    int protocol;
    int family;
    const char* proc_file;  ///< under the proc root
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
std::optional<std::vector<InetSocketRow>> dump(const Table& t, RecordSink& sink) {
    auto rows = netlink::dump_inet_sockets(t.family, t.protocol);
    if (rows) return std::move(*rows);
    const int code = rows.error().code;
    // UDP-Lite is often not built into the kernel: absent, not denied.
    if (t.protocol == IPPROTO_UDPLITE &&
        (code == ENOENT || code == EPROTONOSUPPORT || code == EINVAL)) {
        return std::nullopt;
    }
    auto e = rows.error();
    e.path = fmt::format("netlink sock_diag {} {}", t.protocol_name,
                         t.family == AF_INET ? "ipv4" : "ipv6");
    sink.item_error(e);
    return std::nullopt;
}

std::optional<std::vector<InetSocketRow>> read_proc_table(const Context& ctx, const Table& t,
                                                          RecordSink& sink) {
    auto text = netstate::read_proc_file(ctx, t.proc_file, sink);
    if (!text) return std::nullopt;
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_inet(*text, t.family, &malformed);
    netstate::report_malformed(malformed, (ctx.proc_root / t.proc_file).string(), sink);
    return rows;
}

json owners_json(const procfs::SocketOwners& owners, uint64_t inode) {
    json out = json::array();
    if (inode == 0) return out;
    auto it = owners.by_inode.find(inode);
    if (it == owners.by_inode.end()) return out;
    for (const auto& o : it->second) {
        out.push_back({{"pid", o.pid}, {"fd", o.fd}, {"name", o.name}});
    }
    return out;
}

json record(const Table& t, const Sighting& s, bool netlink_available,
            const procfs::SocketOwners& owners) {
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
            {"views", views},
            {"cross_view_discrepancy", !discrepancy.empty()},
            {"discrepancy", discrepancy.empty() ? json(nullptr) : json(discrepancy)},
            {"owners", owners_json(owners, r.inode)}};
}

/// Unix-domain sockets (local IPC: a shell bound to an abstract socket is a classic backdoor).
/// One view for now: /proc/net/unix; unix_diag as the second view is still to come.
void emit_unix_sockets(const Context& ctx, const procfs::SocketOwners& owners, RecordSink& sink) {
    auto text = netstate::read_proc_file(ctx, "net/unix", sink);
    if (!text) return;
    size_t malformed = 0;
    for (const auto& u : procfs::parse_proc_net_unix(*text, &malformed)) {
        json r = {{"protocol", "unix"},
                  {"family", "unix"},
                  {"socket_type", procfs::unix_type_name(u.type)},
                  {"state", procfs::unix_state_name(u.state, u.flags)},
                  {"inode", u.inode},
                  {"views", json::array({"proc"})},
                  {"cross_view_discrepancy", false},
                  {"discrepancy", nullptr},
                  {"owners", owners_json(owners, u.inode)}};
        bool escaped = false;
        r["local_address"] = escape_bytes(u.path, escaped);
        if (escaped) r["escaped_fields"] = json::array({"local_address"});
        sink.emit(r);
    }
    netstate::report_malformed(malformed, (ctx.proc_root / "net/unix").string(), sink);
}

}  // namespace

void collect_network(const Context& ctx, RecordSink& sink) {
    // Netlink always answers for the live kernel, so it is only a second view of a live /proc.
    const bool live = netstate::netlink_view(ctx, sink);
    std::vector<std::pair<const Table*, std::map<Key, Sighting>>> tables;
    std::vector<bool> netlink_available;
    for (const auto& t : k_tables) {
        if (ctx.should_stop()) break;
        std::map<Key, Sighting> seen;
        auto mark = [&](const std::optional<std::vector<InetSocketRow>>& rows,
                        bool Sighting::*flag) {
            if (!rows) return;
            for (const auto& r : *rows) {
                auto& s = seen[key_of(r)];
                if (!s.first_dump && !s.proc && !s.second_dump) s.row = r;
                s.*flag = true;
            }
        };
        auto first = live && t.netlink ? dump(t, sink) : std::nullopt;
        mark(first, &Sighting::first_dump);
        mark(read_proc_table(ctx, t, sink), &Sighting::proc);
        auto second = first ? dump(t, sink) : std::nullopt;
        mark(second, &Sighting::second_dump);
        netlink_available.push_back(first.has_value() && second.has_value());
        tables.emplace_back(&t, std::move(seen));
    }
    // Owners last: every socket listed above exists by now, and its holders most likely still.
    const auto owners = procfs::walk_socket_owners(ctx);
    if (owners.processes_denied) {
        sink.coverage(fmt::format(
            "fd list denied for {} process(es): their sockets have no "
            "owner{}",
            owners.processes_denied, geteuid() == 0 ? "" : " (run as root for full coverage)"));
    }
    for (size_t i = 0; i < tables.size(); ++i) {
        for (const auto& [key, sighting] : tables[i].second) {
            const bool churn = netlink_available[i] && !sighting.proc &&
                               (sighting.first_dump != sighting.second_dump);
            if (churn) sink.race();
            sink.emit(record(*tables[i].first, sighting, netlink_available[i], owners));
        }
    }
    if (!ctx.should_stop()) emit_unix_sockets(ctx, owners, sink);
}

}  // namespace irsnap::collectors
