// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// The process table: one record per process, with its executable hashed.
const CollectorSpec& processes_spec();

/// Platform implementation (processes_linux.cpp / processes_windows.cpp).
/// Privileges: root (or CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH) to read other users' exe, cwd,
/// root, environ and namespaces. Races: a process that exits mid-read is counted, not an error.
void collect_processes(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
