// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// TCP/UDP/UDP-Lite sockets, v4 and v6, seen through two independent kernel views and
/// reconciled, with their owning processes.
const CollectorSpec& network_spec();

/// Platform implementation (network_linux.cpp). Privileges: root to attribute other users'
/// sockets to processes; the socket tables themselves need none.
void collect_network(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
