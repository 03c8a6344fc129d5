// SPDX-License-Identifier: Apache-2.0
// The DNS client cache: dnsapi!DnsGetCacheDataTable (undocumented; the layout every tool that
// reads the cache uses) for the names, DnsQuery_W without a wire query for each name's answers.
// dnsapi.dll is loaded at run time from the system directory only: the export may be absent (a
// Wine stub, a future Windows), and irsnap.exe must not fail to start for a missing export.
// Read once by network_config and every second by activity (--observe).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace irsnap::win {

/// One entry of the cache table: a name and record type the resolver holds.
struct DnsCacheName {
    std::wstring name;
    uint16_t type = 0;
    uint32_t flags = 0;
};

/// One cached answer record of a name.
struct DnsCachedAnswer {
    std::optional<std::string> name;
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::optional<std::string> data;  ///< A, AAAA, CNAME, PTR, NS; none for other types
};

class DnsCache {
  public:
    DnsCache();
    ~DnsCache();
    DnsCache(const DnsCache&) = delete;
    DnsCache& operator=(const DnsCache&) = delete;

    /// The table's entries; nullopt with `why` ("DnsGetCacheDataTable is not exported", "...
    /// failed (Win32 error 5)", Wine's stub named) when it cannot be read.
    std::optional<std::vector<DnsCacheName>> names(std::string& why) const;
    /// The cached answers of one entry, without asking any server (empty when none).
    std::vector<DnsCachedAnswer> answers(const DnsCacheName& entry) const;

  private:
    void* m_module = nullptr;  ///< HMODULE of dnsapi.dll
    unsigned long m_load_error = 0;
    void* m_get_table = nullptr;
    void* m_query = nullptr;
    void* m_free = nullptr;
};

}  // namespace irsnap::win
