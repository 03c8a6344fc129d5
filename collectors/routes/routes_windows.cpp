// SPDX-License-Identifier: Apache-2.0
// Routes on Windows: GetIpForwardTable2(AF_UNSPEC), IPv4 and IPv6 in one table. Windows has one
// routing table per compartment and no second view of it to reconcile with.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <iphlpapi.h>
#include <netioapi.h>

#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/windows/net_tables.hpp"
#include "irsnap/windows/win_net_format.hpp"
#include "irsnap/windows/wine_detect.hpp"
#include "routes.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
namespace wn = win_net;

/// ValidLifetime of a route that never expires.
constexpr ULONG k_infinite_lifetime = 0xffffffff;

json record(const MIB_IPFORWARD_ROW2& row, const std::map<uint32_t, std::string>& aliases) {
    const auto destination = win::address_text(row.DestinationPrefix.Prefix);
    const auto next_hop = win::address_text(row.NextHop);
    auto alias = aliases.find(row.InterfaceIndex);
    json gateway = nullptr;
    if (!next_hop.text.empty() && !wn::is_unspecified(next_hop.ipv6, next_hop.bytes)) {
        gateway = next_hop.text;
    }
    return {{"family", destination.ipv6 ? "ipv6" : "ipv4"},
            {"destination", fmt::format("{}/{}", destination.text,
                                        static_cast<unsigned>(row.DestinationPrefix.PrefixLength))},
            {"gateway", gateway},
            {"interface", alias != aliases.end() ? json(alias->second) : json(nullptr)},
            {"interface_index", row.InterfaceIndex},
            {"metric", row.Metric},
            {"protocol", wn::route_protocol_name(row.Protocol)},
            {"origin", wn::route_origin_name(row.Origin)},
            {"age_seconds", row.Age},
            {"valid_lifetime_seconds",
             row.ValidLifetime == k_infinite_lifetime ? json(nullptr) : json(row.ValidLifetime)},
            {"loopback", static_cast<bool>(row.Loopback)},
            {"published", static_cast<bool>(row.Publish)}};
}

}  // namespace

void collect_routes(const Context& ctx, RecordSink& sink) {
    const auto aliases = win::interface_aliases();
    // One family at a time, like the neighbours: a family the stack lacks is a coverage note.
    for (ADDRESS_FAMILY family : {AF_INET, AF_INET6}) {
        if (ctx.should_stop()) return;
        MIB_IPFORWARD_TABLE2* raw = nullptr;
        const DWORD rc = GetIpForwardTable2(family, &raw);
        const char* name = family == AF_INET ? "ipv4" : "ipv6";
        if (rc == ERROR_NOT_SUPPORTED || rc == ERROR_NOT_FOUND ||
            (rc == ERROR_INVALID_FUNCTION && win::running_under_wine())) {
            sink.coverage(
                fmt::format("{} routing table not available (GetIpForwardTable2: Win32 "
                            "error {}{})",
                            name, rc, win::running_under_wine() ? ", under Wine" : ""));
            continue;
        }
        if (rc != NO_ERROR) {
            sink.item_error(ItemError::from_win32("read", rc,
                                                  fmt::format("GetIpForwardTable2 {}", name),
                                                  fmt::format("Win32 error {}", rc)));
            continue;
        }
        const std::unique_ptr<MIB_IPFORWARD_TABLE2, decltype(&FreeMibTable)> table(raw,
                                                                                   &FreeMibTable);
        for (ULONG i = 0; i < table->NumEntries && !ctx.should_stop(); ++i) {
            sink.emit(record(table->Table[i], aliases));
        }
        // Wine 8 answers the IPv6 table with no rows even where Linux has IPv6 routes.
        if (family == AF_INET6 && table->NumEntries == 0 && win::running_under_wine()) {
            sink.coverage(
                "under Wine GetIpForwardTable2 returned no IPv6 route (Wine 8.0 does so even "
                "where the Linux host has IPv6 routes): IPv6 routes are not covered");
        }
    }
}

}  // namespace irsnap::collectors
