// SPDX-License-Identifier: Apache-2.0
// Network interfaces on Windows: GetAdaptersAddresses (every NDIS interface, with prefixes,
// gateways and DNS servers) and GetIfEntry2 for the traffic counters. There is no second view to
// reconcile with, and no promiscuous flag in either API.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <iphlpapi.h>
#include <netioapi.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "interfaces.hpp"
#include "irsnap/windows/net_tables.hpp"
#include "irsnap/windows/win_net_format.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
namespace wn = win_net;

constexpr ULONG k_flags = GAA_FLAG_INCLUDE_PREFIX | GAA_FLAG_INCLUDE_GATEWAYS |
                          GAA_FLAG_INCLUDE_ALL_INTERFACES | GAA_FLAG_SKIP_MULTICAST;

json addresses_json(const IP_ADAPTER_ADDRESSES& a) {
    json out = json::array();
    for (auto* u = a.FirstUnicastAddress; u; u = u->Next) {
        const auto address = win::address_text(u->Address.lpSockaddr);
        if (address.text.empty()) continue;
        out.push_back({{"family", address.ipv6 ? "ipv6" : "ipv4"},
                       {"address", address.text},
                       {"prefix_length", static_cast<unsigned>(u->OnLinkPrefixLength)},
                       {"scope", wn::address_scope(address.ipv6, address.bytes)}});
    }
    return out;
}

template <typename List>
json address_list(const List* first) {
    json out = json::array();
    for (auto* e = first; e; e = e->Next) {
        const auto address = win::address_text(e->Address.lpSockaddr);
        if (!address.text.empty()) out.push_back(address.with_scope());
    }
    return out;
}

json wide_or_null(const wchar_t* text) {
    return text && *text ? json(win::to_utf8(text)) : json(nullptr);
}

/// Counters from GetIfEntry2; false (and the fields null) when the interface has none.
void put_counters(const IP_ADAPTER_ADDRESSES& a, json& r, size_t& failed) {
    MIB_IF_ROW2 row{};
    row.InterfaceLuid = a.Luid;
    const bool ok = GetIfEntry2(&row) == NO_ERROR;
    if (!ok) ++failed;
    r["rx_bytes"] = ok ? json(row.InOctets) : json(nullptr);
    r["tx_bytes"] = ok ? json(row.OutOctets) : json(nullptr);
    r["rx_packets"] = ok ? json(row.InUcastPkts + row.InNUcastPkts) : json(nullptr);
    r["tx_packets"] = ok ? json(row.OutUcastPkts + row.OutNUcastPkts) : json(nullptr);
}

json record(const IP_ADAPTER_ADDRESSES& a, size_t& counters_failed) {
    const auto mac = wn::format_mac(
        a.PhysicalAddress, std::min<ULONG>(a.PhysicalAddressLength, MAX_ADAPTER_ADDRESS_LENGTH));
    const uint32_t index = a.IfIndex ? a.IfIndex : a.Ipv6IfIndex;
    json r = {{"name", a.AdapterName ? json(a.AdapterName) : json(nullptr)},
              {"friendly_name", wide_or_null(a.FriendlyName)},
              {"description", wide_or_null(a.Description)},
              {"index", index ? json(index) : json(nullptr)},
              {"mac", mac ? json(*mac) : json(nullptr)},
              {"mtu", a.Mtu == 0xffffffff ? json(nullptr) : json(a.Mtu)},
              {"operstate", wn::oper_status_name(a.OperStatus)},
              {"if_type", wn::if_type_name(a.IfType)},
              {"dhcp_enabled", (a.Flags & IP_ADAPTER_DHCP_ENABLED) != 0},
              {"dns_suffix", wide_or_null(a.DnsSuffix)},
              {"dns_servers", address_list(a.FirstDnsServerAddress)},
              {"gateways", address_list(a.FirstGatewayAddress)},
              {"addresses", addresses_json(a)}};
    put_counters(a, r, counters_failed);
    return r;
}

}  // namespace

void collect_interfaces(const Context& ctx, RecordSink& sink) {
    DWORD error = 0;
    const auto buffer = win::adapter_addresses(AF_UNSPEC, k_flags, error);
    if (error != ERROR_SUCCESS) {
        sink.item_error(ItemError::from_win32("read", error, "GetAdaptersAddresses",
                                              fmt::format("Win32 error {}", error)));
        return;
    }
    size_t counters_failed = 0;
    for (auto* a = win::first_adapter(buffer); a && !ctx.should_stop(); a = a->Next) {
        sink.emit(record(*a, counters_failed));
    }
    if (counters_failed) {
        sink.coverage(fmt::format("GetIfEntry2 gave no traffic counters for {} interface(s)",
                                  counters_failed));
    }
}

}  // namespace irsnap::collectors
