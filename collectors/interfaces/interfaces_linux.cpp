// SPDX-License-Identifier: Apache-2.0
// Interfaces on Linux: RTM_GETLINK read twice around /proc/net/dev (reconciled by name, see
// netstate/cross_view.hpp), then RTM_GETADDR for the addresses. Without netlink (a fixture tree)
// /proc/net/dev gives names and counters and /proc/net/if_inet6 the IPv6 addresses.
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "interfaces.hpp"
#include "irsnap/linux/proc_net_route.hpp"
#include "irsnap/linux/rtnetlink.hpp"
#include "netstate/cross_view.hpp"
#include "netstate/netstate_common.hpp"

namespace irsnap::collectors {
namespace {

using net::AddressRow;
using net::LinkRow;
using nlohmann::json;

constexpr uint32_t k_iff_promisc = 0x100;

std::optional<std::vector<LinkRow>> dump(RecordSink& sink) {
    auto rows = netlink::dump_links();
    if (rows) return std::move(*rows);
    sink.item_error(rows.error());
    return std::nullopt;
}

/// Addresses by interface index (netlink) or, without one, by name (/proc/net/if_inet6).
struct Addresses {
    std::map<int32_t, json> by_index;
    std::map<std::string, json> by_name;
};

json address_json(const AddressRow& a) {
    return {{"family", net::family_name(a.family)},
            {"address", a.address},
            {"prefix_length", a.prefix_length},
            {"scope", net::scope_name(a.scope)},
            {"broadcast", a.broadcast ? json(*a.broadcast) : json(nullptr)}};
}

Addresses read_addresses(const Context& ctx, bool live, RecordSink& sink) {
    Addresses out;
    if (live) {
        auto rows = netlink::dump_addresses(AF_UNSPEC);
        if (!rows) {
            sink.item_error(rows.error());
            return out;
        }
        for (const auto& a : *rows) {
            auto& list = out.by_index[a.interface_index];
            if (list.is_null()) list = json::array();
            list.push_back(address_json(a));
        }
        return out;
    }
    sink.coverage("IPv4 addresses not read: they come from netlink only");
    if (auto text = netstate::read_proc_file(ctx, "net/if_inet6", sink)) {
        size_t malformed = 0;
        for (const auto& a : procfs::parse_proc_net_if_inet6(*text, &malformed)) {
            auto& list = out.by_name[a.interface];
            if (list.is_null()) list = json::array();
            list.push_back(address_json(a));
        }
        netstate::report_malformed(malformed, (ctx.proc_root / "net/if_inet6").string(), sink);
    }
    return out;
}

json record(const LinkRow& l, const std::optional<net::LinkStats>& stats, const json& addresses,
            const ViewVerdict& verdict) {
    std::vector<std::string> escaped;
    json out = {
        {"index", l.index ? json(l.index) : json(nullptr)},
        {"mac", l.mac ? json(*l.mac) : json(nullptr)},
        {"mtu", l.mtu ? json(*l.mtu) : json(nullptr)},
        {"flags", l.flags ? json(net::link_flag_names(*l.flags)) : json(nullptr)},
        {"promiscuous", l.flags ? json((*l.flags & k_iff_promisc) != 0) : json(nullptr)},
        {"operstate", l.operstate ? json(net::operstate_name(*l.operstate)) : json(nullptr)},
        {"addresses", addresses.is_null() ? json::array() : addresses},
        {"rx_bytes", stats ? json(stats->rx_bytes) : json(nullptr)},
        {"tx_bytes", stats ? json(stats->tx_bytes) : json(nullptr)},
        {"rx_packets", stats ? json(stats->rx_packets) : json(nullptr)},
        {"tx_packets", stats ? json(stats->tx_packets) : json(nullptr)},
        {"views", verdict.views},
        {"cross_view_discrepancy", verdict.discrepancy.has_value()},
        {"discrepancy", verdict.discrepancy ? json(*verdict.discrepancy) : json(nullptr)}};
    netstate::put_text(out, "name", l.name, escaped);
    netstate::put_escaped(out, escaped);
    return out;
}

}  // namespace

void collect_interfaces(const Context& ctx, RecordSink& sink) {
    const bool live = netstate::netlink_view(ctx, sink);
    using View = CrossView<std::string, LinkRow>;
    auto by_name = [](const LinkRow& l) { return l.name; };
    View view;
    auto first = live ? dump(sink) : std::nullopt;
    view.mark(first, &View::Sighting::first, by_name);
    std::optional<std::vector<LinkRow>> proc;
    if (auto text = netstate::read_proc_file(ctx, "net/dev", sink)) {
        size_t malformed = 0;
        proc = procfs::parse_proc_net_dev(*text, &malformed);
        netstate::report_malformed(malformed, (ctx.proc_root / "net/dev").string(), sink);
    }
    view.mark(proc, &View::Sighting::proc, by_name);
    auto second = first && !ctx.should_stop() ? dump(sink) : std::nullopt;
    view.mark(second, &View::Sighting::second, by_name);
    if (ctx.should_stop()) return;
    const Addresses addresses = read_addresses(ctx, live, sink);

    // Counters from /proc when netlink gave none (a fixture tree, or a kernel without STATS64).
    std::map<std::string, net::LinkStats> proc_stats;
    if (proc) {
        for (const auto& l : *proc) proc_stats[l.name] = *l.stats;
    }
    const bool compared = first && second && proc;
    for (const auto& [name, s] : view.seen()) {
        auto verdict = judge(s.first, s.proc, s.second, compared, true, true, "/proc/net/dev");
        if (verdict.churn) sink.race();
        std::optional<net::LinkStats> stats = s.row.stats;
        if (!stats) {
            auto it = proc_stats.find(name);
            if (it != proc_stats.end()) stats = it->second;
        }
        json addr;
        if (auto it = addresses.by_index.find(s.row.index);
            s.row.index != 0 && it != addresses.by_index.end()) {
            addr = it->second;
        } else if (auto it2 = addresses.by_name.find(name); it2 != addresses.by_name.end()) {
            addr = it2->second;
        }
        sink.emit(record(s.row, stats, addr, verdict));
    }
}

}  // namespace irsnap::collectors
