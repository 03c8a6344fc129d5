// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// The time anchor: clocks, boot, load, memory, mounts and logged-in sessions.
const CollectorSpec& system_spec();

/// Platform implementation (system_linux.cpp). Needs no privilege.
void collect_system(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
