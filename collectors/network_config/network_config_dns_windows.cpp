// SPDX-License-Identifier: Apache-2.0
// The DNS client on Windows: its settings (GetNetworkParams, GetAdaptersAddresses, the registry
// search list) and its cache (read by win::DnsCache, which the activity collector shares).
#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <iphlpapi.h>

#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/windows/dns_cache.hpp"
#include "irsnap/windows/net_tables.hpp"
#include "irsnap/windows/win_net_format.hpp"
#include "irsnap/windows/win_text.hpp"
#include "network_config_windows.hpp"

namespace irsnap::collectors::network_config_windows {
namespace {

using nlohmann::json;
using win::to_utf8;

std::string ansi_to_utf8(const char* text) {
    const int n = MultiByteToWideChar(CP_ACP, 0, text, -1, nullptr, 0);
    if (n <= 1) return {};
    std::wstring wide(static_cast<size_t>(n), L'\0');
    MultiByteToWideChar(CP_ACP, 0, text, -1, wide.data(), n);
    wide.resize(static_cast<size_t>(n - 1));
    return to_utf8(wide);
}

json entry(const char* keyword, json values, const char* source, json adapter = nullptr) {
    return {{"keyword", keyword},
            {"values", std::move(values)},
            {"source", source},
            {"interface", std::move(adapter)}};
}

void add_network_params(json& entries, RecordSink& sink) {
    ULONG size = sizeof(FIXED_INFO);
    std::vector<unsigned char> buffer;
    DWORD rc = ERROR_BUFFER_OVERFLOW;
    for (int attempt = 0; attempt < 4 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
        buffer.resize(size);
        rc = GetNetworkParams(reinterpret_cast<FIXED_INFO*>(buffer.data()), &size);
    }
    if (rc != ERROR_SUCCESS) {
        sink.item_error(ItemError::from_win32("read", rc, "GetNetworkParams",
                                              fmt::format("Win32 error {}", rc)));
        return;
    }
    const auto* info = reinterpret_cast<const FIXED_INFO*>(buffer.data());
    entries.push_back(entry("hostname", {ansi_to_utf8(info->HostName)}, "GetNetworkParams"));
    if (info->DomainName[0]) {
        entries.push_back(entry("domain", {ansi_to_utf8(info->DomainName)}, "GetNetworkParams"));
    }
    json servers = json::array();
    for (const IP_ADDR_STRING* s = &info->DnsServerList; s; s = s->Next) {
        if (s->IpAddress.String[0]) servers.push_back(std::string(s->IpAddress.String));
    }
    entries.push_back(entry("nameserver", servers, "GetNetworkParams"));
}

void add_adapters(json& entries, RecordSink& sink) {
    DWORD error = 0;
    const auto buffer = win::adapter_addresses(
        AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_UNICAST, error);
    if (error != ERROR_SUCCESS) {
        sink.item_error(ItemError::from_win32("read", error, "GetAdaptersAddresses",
                                              fmt::format("Win32 error {}", error)));
        return;
    }
    for (auto* a = win::first_adapter(buffer); a; a = a->Next) {
        const json name = a->FriendlyName ? json(to_utf8(a->FriendlyName)) : json(a->AdapterName);
        json servers = json::array();
        for (auto* s = a->FirstDnsServerAddress; s; s = s->Next) {
            const auto address = win::address_text(s->Address.lpSockaddr);
            if (!address.text.empty()) servers.push_back(address.with_scope());
        }
        json suffixes = json::array();
        if (a->DnsSuffix && *a->DnsSuffix) suffixes.push_back(to_utf8(a->DnsSuffix));
        for (auto* s = a->FirstDnsSuffix; s; s = s->Next) suffixes.push_back(to_utf8(s->String));
        if (!servers.empty()) {
            entries.push_back(entry("nameserver", servers, "GetAdaptersAddresses", name));
        }
        if (!suffixes.empty()) {
            entries.push_back(entry("search", suffixes, "GetAdaptersAddresses", name));
        }
    }
}

/// The global suffix search list (Group Policy or the adapter settings' "append these").
void add_search_list(json& entries) {
    const wchar_t* key = L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters";
    const DWORD flags = RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY;
    DWORD size = 0;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, L"SearchList", flags, nullptr, nullptr, &size) !=
            ERROR_SUCCESS ||
        size < sizeof(wchar_t)) {
        return;
    }
    std::wstring text(size / sizeof(wchar_t), L'\0');
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, L"SearchList", flags, nullptr, text.data(), &size) !=
        ERROR_SUCCESS) {
        return;
    }
    text.resize(wcsnlen(text.c_str(), text.size()));
    json values = json::array();
    size_t begin = 0;
    while (begin <= text.size()) {
        size_t end = text.find_first_of(L", ", begin);
        if (end == std::wstring::npos) end = text.size();
        if (end > begin) values.push_back(to_utf8(text.substr(begin, end - begin)));
        begin = end + 1;
    }
    if (!values.empty()) entries.push_back(entry("search", values, "registry SearchList"));
}

json answers_json(const std::vector<win::DnsCachedAnswer>& answers) {
    json out = json::array();
    for (const auto& a : answers) {
        out.push_back({{"name", a.name ? json(*a.name) : json(nullptr)},
                       {"type", win_net::dns_type_name(a.type)},
                       {"ttl", a.ttl},
                       {"data", a.data ? json(*a.data) : json(nullptr)}});
    }
    return out;
}

}  // namespace

void emit_dns_settings(RecordSink& sink) {
    json entries = json::array();
    add_network_params(entries, sink);
    add_adapters(entries, sink);
    add_search_list(entries);
    sink.emit({{"kind", "dns_settings"}, {"path", nullptr}, {"entries", entries}});
}

void emit_dns_cache(const Context& ctx, RecordSink& sink) {
    const win::DnsCache cache;
    std::string why;
    const auto names = cache.names(why);
    if (!names) {
        sink.coverage("DNS cache not read: " + why);
        return;
    }
    json entries = json::array();
    for (const auto& e : *names) {
        if (ctx.should_stop()) break;
        entries.push_back({{"name", to_utf8(e.name)},
                           {"type", win_net::dns_type_name(e.type)},
                           {"flags", e.flags},
                           {"answers", answers_json(cache.answers(e))}});
    }
    sink.emit({{"kind", "dns_cache"}, {"path", nullptr}, {"entries", entries}});
}

}  // namespace irsnap::collectors::network_config_windows
