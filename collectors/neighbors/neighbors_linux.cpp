// SPDX-License-Identifier: Apache-2.0
// The neighbour cache on Linux: RTM_GETNEIGH per family and, for IPv4, /proc/net/arp, read
// netlink -> /proc -> netlink and reconciled like the sockets (netstate/cross_view.hpp).
#include <sys/socket.h>

#include <tuple>

#include <nlohmann/json.hpp>

#include "irsnap/linux/proc_net_route.hpp"
#include "irsnap/linux/rtnetlink.hpp"
#include "neighbors.hpp"
#include "netstate/cross_view.hpp"
#include "netstate/netstate_common.hpp"

namespace irsnap::collectors {
namespace {

using net::NeighborRow;
using nlohmann::json;

constexpr uint16_t k_nud_noarp = 0x40;
constexpr uint32_t k_atf_publ = 0x08;

/// Address and interface name: the same IP may be cached on two interfaces.
using Key = std::tuple<std::string, std::string>;

Key key_of(const NeighborRow& r) {
    return {r.address, r.interface};
}

std::optional<std::vector<NeighborRow>> dump(int family,
                                             const std::map<int32_t, std::string>& names,
                                             RecordSink& sink) {
    auto rows = netlink::dump_neighbors(family);
    if (!rows) {
        sink.item_error(rows.error());
        return std::nullopt;
    }
    for (auto& r : *rows) {
        auto it = names.find(r.interface_index);
        if (it != names.end()) r.interface = it->second;
    }
    return std::move(*rows);
}

json record(const NeighborRow& r, const ViewVerdict& verdict, bool v4) {
    std::vector<std::string> escaped;
    json out = {
        {"family", net::family_name(r.family)},
        {"address", r.address},
        {"mac", r.mac ? json(*r.mac) : json(nullptr)},
        {"interface_index", r.interface_index ? json(r.interface_index) : json(nullptr)},
        {"state", r.state ? json(net::neighbor_state_names(*r.state)) : json(nullptr)},
        {"is_router", v4 ? json(nullptr) : json(r.is_router)},
        {"flags", r.state ? net::neighbor_flag_names(r.flags) : net::arp_flag_names(r.arp_flags)},
        {"views", verdict.views},
        {"cross_view_discrepancy", v4 ? json(verdict.discrepancy.has_value()) : json(nullptr)},
        {"discrepancy", verdict.discrepancy ? json(*verdict.discrepancy) : json(nullptr)}};
    netstate::put_text(out, "interface", r.interface, escaped);
    netstate::put_escaped(out, escaped);
    return out;
}

}  // namespace

void collect_neighbors(const Context& ctx, RecordSink& sink) {
    const bool live = netstate::netlink_view(ctx, sink);
    const auto names = live ? netstate::interface_names(sink) : std::map<int32_t, std::string>{};
    for (int family : {AF_INET, AF_INET6}) {
        if (ctx.should_stop()) return;
        const bool v4 = family == AF_INET;
        CrossView<Key, NeighborRow> view;
        auto first = live ? dump(family, names, sink) : std::nullopt;
        view.mark(first, &CrossView<Key, NeighborRow>::Sighting::first, key_of);
        std::optional<std::vector<NeighborRow>> proc;
        if (v4) {
            if (auto text = netstate::read_proc_file(ctx, "net/arp", sink)) {
                size_t malformed = 0;
                proc = procfs::parse_proc_net_arp(*text, &malformed);
                netstate::report_malformed(malformed, (ctx.proc_root / "net/arp").string(), sink);
            }
        }
        view.mark(proc, &CrossView<Key, NeighborRow>::Sighting::proc, key_of);
        auto second = first && !ctx.should_stop() ? dump(family, names, sink) : std::nullopt;
        view.mark(second, &CrossView<Key, NeighborRow>::Sighting::second, key_of);
        // Names are the join key: without the link dump the views cannot be compared.
        const bool compared = v4 && first && second && proc && !names.empty();
        for (const auto& [key, s] : view.seen()) {
            // /proc/net/arp skips NONE/NOARP-only entries; netlink does not dump proxy entries.
            const bool proc_shows = s.row.state && (*s.row.state & ~k_nud_noarp) != 0;
            const bool netlink_shows = (s.row.arp_flags & k_atf_publ) == 0;
            auto verdict = judge(s.first, s.proc, s.second, compared, proc_shows, netlink_shows,
                                 "/proc/net/arp");
            if (verdict.churn) sink.race();
            sink.emit(record(s.row, verdict, v4));
        }
    }
}

}  // namespace irsnap::collectors
