// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// The ARP (IPv4) and NDP (IPv6) neighbour cache: which hosts this one talked to recently, and
/// which MAC answered for them (ARP spoofing shows as a gateway with an unexpected MAC).
const CollectorSpec& neighbors_spec();

/// Platform implementation (neighbors_linux.cpp). Needs no privilege: rtnetlink dumps and
/// /proc/net/arp are readable by every user.
void collect_neighbors(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
