// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Processes hidden from the /proc listing: every pid up to pid_max probed with system calls and
/// compared with the listing, and mounts that cover /proc/PID directories.
const CollectorSpec& hidden_processes_spec();

/// Platform implementation (hidden_processes_linux.cpp). Probes only when the proc root is the
/// procfs of irsnap's own pid namespace (its `self` is us); over a fixture tree or image it
/// checks that tree's mountinfo only. Never forks, never sends a signal (kill with signal 0
/// checks existence and permission only), never ptraces.
/// Privileges: none for the probe; without root, a proc mount with hidepid hides other users'
/// processes, which is counted in coverage instead of reported. Races: a process born during
/// the probe is listed by the re-read and counted as a race, never reported.
void collect_hidden_processes(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
