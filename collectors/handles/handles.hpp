// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Every open file descriptor of every process, from the run's shared descriptor walk.
const CollectorSpec& handles_spec();

/// Platform implementation (handles_linux.cpp). Privileges: root (CAP_SYS_PTRACE) for other
/// users' descriptors. The walk is shared with the network collector, so on a normal run it
/// reflects the moment the network collector asked for socket owners (logged).
void collect_handles(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
