// SPDX-License-Identifier: Apache-2.0
// The neighbour cache on Windows: GetIpNetTable2(AF_UNSPEC), ARP (IPv4) and NDP (IPv6) in one
// table. Windows has no second view of it to reconcile with (no /proc/net/arp twin).
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
#include "neighbors.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
namespace wn = win_net;

constexpr uint32_t k_state_unreachable = 0;  // NlnsUnreachable
constexpr uint32_t k_state_incomplete = 1;   // NlnsIncomplete

json record(const MIB_IPNET_ROW2& row, const std::map<uint32_t, std::string>& aliases) {
    const auto address = win::address_text(row.Address);
    json flags = json::array();
    if (row.IsRouter) flags.push_back("router");
    if (row.IsUnreachable) flags.push_back("unreachable");
    // An unresolved entry keeps a zeroed address of full length: no MAC yet, as on Linux.
    const bool unresolved = row.State == k_state_unreachable || row.State == k_state_incomplete;
    const auto mac = unresolved ? std::nullopt
                                : wn::format_mac(row.PhysicalAddress,
                                                 std::min<ULONG>(row.PhysicalAddressLength,
                                                                 IF_MAX_PHYS_ADDRESS_LENGTH));
    auto alias = aliases.find(row.InterfaceIndex);
    return {{"family", address.ipv6 ? "ipv6" : "ipv4"},
            {"address", address.text},
            {"mac", mac ? json(*mac) : json(nullptr)},
            {"interface", alias != aliases.end() ? json(alias->second) : json(nullptr)},
            {"interface_index", row.InterfaceIndex},
            {"state", wn::neighbor_state_name(row.State)},
            {"is_router", static_cast<bool>(row.IsRouter)},
            {"flags", flags},
            {"reachability_ms", row.ReachabilityTime.LastReachable}};
}

}  // namespace

void collect_neighbors(const Context& ctx, RecordSink& sink) {
    const auto aliases = win::interface_aliases();
    // One family at a time: Wine answers AF_UNSPEC with ERROR_INVALID_FUNCTION.
    for (ADDRESS_FAMILY family : {AF_INET, AF_INET6}) {
        if (ctx.should_stop()) return;
        MIB_IPNET_TABLE2* raw = nullptr;
        const DWORD rc = GetIpNetTable2(family, &raw);
        const char* name = family == AF_INET ? "ipv4" : "ipv6";
        // Not an error of ours: the stack has no such table (IPv6 off; Wine implements IPv4 only
        // and answers ERROR_INVALID_FUNCTION for IPv6).
        if (rc == ERROR_NOT_SUPPORTED || rc == ERROR_NOT_FOUND ||
            (rc == ERROR_INVALID_FUNCTION && win::running_under_wine())) {
            sink.coverage(
                fmt::format("{} neighbour table not available (GetIpNetTable2: Win32 "
                            "error {}{})",
                            name, rc, win::running_under_wine() ? ", under Wine" : ""));
            continue;
        }
        if (rc != NO_ERROR) {
            sink.item_error(ItemError::from_win32("read", rc,
                                                  fmt::format("GetIpNetTable2 {}", name),
                                                  fmt::format("Win32 error {}", rc)));
            continue;
        }
        const std::unique_ptr<MIB_IPNET_TABLE2, decltype(&FreeMibTable)> table(raw, &FreeMibTable);
        for (ULONG i = 0; i < table->NumEntries && !ctx.should_stop(); ++i) {
            sink.emit(record(table->Table[i], aliases));
        }
    }
}

}  // namespace irsnap::collectors
