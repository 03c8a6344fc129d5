// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// IPv4 and IPv6 routes of every routing table: where traffic goes (a rogue default route or a
/// host route through an attacker's gateway is a redirection).
const CollectorSpec& routes_spec();

/// Platform implementation (routes_linux.cpp). Needs no privilege.
void collect_routes(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
