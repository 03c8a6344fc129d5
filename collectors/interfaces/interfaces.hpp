// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Network interfaces with their addresses, flags and counters. Promiscuous mode is a sniffer's
/// sign; an unexpected tunnel or bridge interface is a pivot's.
const CollectorSpec& interfaces_spec();

/// Platform implementation (interfaces_linux.cpp). Needs no privilege.
void collect_interfaces(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
