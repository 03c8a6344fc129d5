// SPDX-License-Identifier: Apache-2.0
// The start every Windows collector that opens other processes shares (Windows builds only).
#pragma once

#include <vector>

#include "irsnap/collector.hpp"
#include "irsnap/windows/nt_process.hpp"

namespace irsnap::collectors {

/// Enables SeDebugPrivilege (or says in coverage that other users' and service processes may
/// be denied) and reads the NT process list. Throws std::runtime_error when there is none: the
/// collector then has nothing to walk.
std::vector<win::NtProcess> debug_process_list(RecordSink& sink);

}  // namespace irsnap::collectors
