// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/dns_cache.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <windns.h>

#include <cstring>

#include <fmt/format.h>

#include "irsnap/ip_text.hpp"
#include "irsnap/windows/win_text.hpp"
#include "irsnap/windows/wine_detect.hpp"

namespace irsnap::win {
namespace {

/// dnsapi's cache entry (undocumented; the layout every tool that reads the cache uses).
struct DnsCacheEntry {
    DnsCacheEntry* next;
    PWSTR name;
    WORD type;
    WORD data_length;
    DWORD flags;
};

using GetCacheDataTableFn = BOOL(WINAPI*)(DnsCacheEntry**);
using QueryFn = DNS_STATUS(WINAPI*)(PCWSTR, WORD, DWORD, PVOID, DNS_RECORDW**, PVOID*);
using FreeFn = void(WINAPI*)(PVOID, DNS_FREE_TYPE);

template <typename Fn>
Fn as(void* p) {
    return reinterpret_cast<Fn>(p);
}

}  // namespace

DnsCache::DnsCache() {
    HMODULE dnsapi = LoadLibraryExW(L"dnsapi.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (!dnsapi) {
        m_load_error = GetLastError();
        return;
    }
    m_module = dnsapi;
    auto lookup = [&](const char* name) {
        return reinterpret_cast<void*>(GetProcAddress(dnsapi, name));
    };
    m_get_table = lookup("DnsGetCacheDataTable");
    m_query = lookup("DnsQuery_W");
    m_free = lookup("DnsFree");
}

DnsCache::~DnsCache() {
    if (m_module) FreeLibrary(static_cast<HMODULE>(m_module));
}

std::optional<std::vector<DnsCacheName>> DnsCache::names(std::string& why) const {
    if (!m_module) {
        why = fmt::format("dnsapi.dll did not load (Win32 error {})", m_load_error);
        return std::nullopt;
    }
    auto get_table = as<GetCacheDataTableFn>(m_get_table);
    auto free_fn = as<FreeFn>(m_free);
    DnsCacheEntry* first = nullptr;
    if (!get_table || !m_query || !free_fn || !get_table(&first)) {
        const DWORD error = GetLastError();
        why = fmt::format(
            "DnsGetCacheDataTable {}{}",
            !get_table ? std::string("is not exported")
            : error    ? fmt::format("failed (Win32 error {})", error)
                       : std::string("returned no table"),
            running_under_wine() ? " (under Wine it is a stub: Wine keeps no DNS cache)" : "");
        return std::nullopt;
    }
    std::vector<DnsCacheName> out;
    for (auto* e = first; e;) {
        if (e->name) out.push_back({e->name, e->type, e->flags});
        auto* next = e->next;
        if (e->name) free_fn(e->name, DnsFreeFlat);
        free_fn(e, DnsFreeFlat);
        e = next;
    }
    return out;
}

std::vector<DnsCachedAnswer> DnsCache::answers(const DnsCacheName& entry) const {
    std::vector<DnsCachedAnswer> out;
    auto query = as<QueryFn>(m_query);
    auto free_fn = as<FreeFn>(m_free);
    if (!query || !free_fn) return out;
    DNS_RECORDW* records = nullptr;
    if (query(entry.name.c_str(), entry.type, DNS_QUERY_NO_WIRE_QUERY, nullptr, &records,
              nullptr) != 0) {
        return out;
    }
    for (auto* r = records; r; r = r->pNext) {
        DnsCachedAnswer a;
        if (r->pName) a.name = to_utf8(r->pName);
        a.type = r->wType;
        a.ttl = r->dwTtl;
        if (r->wType == DNS_TYPE_A) {
            uint8_t bytes[4];
            std::memcpy(bytes, &r->Data.A.IpAddress, 4);
            a.data = ip::format_ipv4(bytes);
        } else if (r->wType == DNS_TYPE_AAAA) {
            a.data = ip::format_ipv6(reinterpret_cast<const uint8_t*>(&r->Data.AAAA.Ip6Address));
        } else if (r->wType == DNS_TYPE_CNAME || r->wType == DNS_TYPE_PTR ||
                   r->wType == DNS_TYPE_NS) {
            if (r->Data.PTR.pNameHost) a.data = to_utf8(r->Data.PTR.pNameHost);
        }
        out.push_back(std::move(a));
    }
    free_fn(records, DnsFreeRecordList);
    return out;
}

}  // namespace irsnap::win
