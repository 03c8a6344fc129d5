// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Code loaded into each process: one record per mapped file, one per process with anonymous
/// executable memory.
const CollectorSpec& modules_spec();

/// Platform implementation (modules_linux.cpp).
/// Privileges: root (ptrace read access) for other users' /proc/PID/maps, and CAP_SYS_ADMIN for
/// /proc/PID/map_files, which hashes deleted files and memfds. Races: a process that exits
/// mid-read is counted, not an error; a mapping that changes between maps and map_files is
/// hashed from the path with a dev/inode check or left unhashed with a note.
void collect_modules(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
