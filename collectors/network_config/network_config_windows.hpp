// SPDX-License-Identifier: Apache-2.0
// Pieces of the Windows network_config collector, shared by its implementation files.
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors::network_config_windows {

/// One "dns_settings" record: host and domain name and DNS servers (GetNetworkParams), servers
/// and suffixes per interface (GetAdaptersAddresses), the global search list (registry).
void emit_dns_settings(RecordSink& sink);

/// One "dns_cache" record: the DNS client cache (dnsapi!DnsGetCacheDataTable, undocumented,
/// loaded at run time) with each entry's cached answers (DnsQuery_W without a wire query).
/// Where the API is missing or refuses (Wine has a stub), a coverage note and no record.
void emit_dns_cache(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors::network_config_windows
