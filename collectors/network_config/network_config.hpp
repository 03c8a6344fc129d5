// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Name-resolution configuration (/etc/hosts, resolv.conf, nsswitch.conf ...): exact content,
/// SHA-256 and metadata, plus parsed entries. A hijacked hosts line or a rogue nameserver
/// redirects traffic without touching a binary.
const CollectorSpec& network_config_spec();

/// Platform implementation (network_config_linux.cpp). Needs no privilege: these files are
/// world-readable on a normal host; an unreadable one is an item error.
void collect_network_config(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
