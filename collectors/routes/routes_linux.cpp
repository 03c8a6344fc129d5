// SPDX-License-Identifier: Apache-2.0
// Routes on Linux: RTM_GETROUTE per family and /proc/net/route, /proc/net/ipv6_route, read
// netlink -> /proc -> netlink and reconciled (netstate/cross_view.hpp). /proc/net/route shows
// only the main table without broadcast/multicast routes and the first next hop of a multipath
// route, so only netlink routes it would print are expected there.
#include <sys/socket.h>

#include <tuple>

#include <nlohmann/json.hpp>

#include "irsnap/linux/proc_net_route.hpp"
#include "irsnap/linux/rtnetlink.hpp"
#include "netstate/cross_view.hpp"
#include "netstate/netstate_common.hpp"
#include "routes.hpp"

namespace irsnap::collectors {
namespace {

using net::RouteRow;
using nlohmann::json;

constexpr uint32_t k_rt_table_main = 254;
constexpr uint8_t k_rtn_broadcast = 3;
constexpr uint8_t k_rtn_multicast = 5;

/// Both views give destination, gateway, interface name and metric; table and type only netlink.
using Key = std::tuple<std::string, std::string, std::string, uint32_t>;

Key key_of(const RouteRow& r) {
    return {r.destination, r.gateway.value_or(""), r.interface, r.metric.value_or(0)};
}

std::optional<std::vector<RouteRow>> dump(int family, const std::map<int32_t, std::string>& names,
                                          RecordSink& sink) {
    auto rows = netlink::dump_routes(family);
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

/// Whether /proc would print a route netlink reported.
bool proc_shows(const RouteRow& r) {
    if (r.family == AF_INET6) return true;
    return r.table == k_rt_table_main && r.type != k_rtn_broadcast && r.type != k_rtn_multicast &&
           r.nexthop == 0;
}

std::optional<std::vector<RouteRow>> read_proc(const Context& ctx, int family, RecordSink& sink) {
    const char* file = family == AF_INET ? "net/route" : "net/ipv6_route";
    auto text = netstate::read_proc_file(ctx, file, sink);
    if (!text) return std::nullopt;
    size_t malformed = 0;
    auto rows = family == AF_INET ? procfs::parse_proc_net_route(*text, &malformed)
                                  : procfs::parse_proc_net_ipv6_route(*text, &malformed);
    netstate::report_malformed(malformed, (ctx.proc_root / file).string(), sink);
    std::erase_if(rows, procfs::is_ipv6_null_entry);  // a placeholder, not a route
    return rows;
}

template <typename T, typename Fn>
json optional_json(const std::optional<T>& v, Fn fn) {
    return v ? json(fn(*v)) : json(nullptr);
}

json record(const RouteRow& r, const ViewVerdict& verdict) {
    std::vector<std::string> escaped;
    json out = {
        {"family", net::family_name(r.family)},
        {"destination", r.destination},
        {"gateway", r.gateway ? json(*r.gateway) : json(nullptr)},
        {"interface_index", r.interface_index ? json(r.interface_index) : json(nullptr)},
        {"metric", r.metric ? json(*r.metric) : json(nullptr)},
        {"table", optional_json(r.table, net::route_table_name)},
        {"protocol", optional_json(r.protocol, net::route_protocol_name)},
        {"scope", optional_json(r.scope, net::scope_name)},
        {"type", optional_json(r.type, net::route_type_name)},
        {"preferred_source", r.preferred_source ? json(*r.preferred_source) : json(nullptr)},
        {"nexthop", r.nexthop},
        {"views", verdict.views},
        {"cross_view_discrepancy", verdict.discrepancy.has_value()},
        {"discrepancy", verdict.discrepancy ? json(*verdict.discrepancy) : json(nullptr)}};
    netstate::put_text(out, "interface", r.interface, escaped);
    netstate::put_escaped(out, escaped);
    return out;
}

}  // namespace

void collect_routes(const Context& ctx, RecordSink& sink) {
    const bool live = netstate::netlink_view(ctx, sink);
    const auto names = live ? netstate::interface_names(sink) : std::map<int32_t, std::string>{};
    for (int family : {AF_INET, AF_INET6}) {
        if (ctx.should_stop()) return;
        using View = CrossView<Key, RouteRow>;
        View view;
        auto first = live ? dump(family, names, sink) : std::nullopt;
        view.mark(first, &View::Sighting::first, key_of);
        auto proc = read_proc(ctx, family, sink);
        view.mark(proc, &View::Sighting::proc, key_of);
        auto second = first && !ctx.should_stop() ? dump(family, names, sink) : std::nullopt;
        view.mark(second, &View::Sighting::second, key_of);
        const bool compared = first && second && proc && !names.empty();
        const std::string proc_name =
            family == AF_INET ? "/proc/net/route" : "/proc/net/ipv6_route";
        for (const auto& [key, s] : view.seen()) {
            auto verdict =
                judge(s.first, s.proc, s.second, compared, proc_shows(s.row), true, proc_name);
            if (verdict.churn) sink.race();
            sink.emit(record(s.row, verdict));
        }
    }
}

}  // namespace irsnap::collectors
