// SPDX-License-Identifier: Apache-2.0
// Activity (--observe SECONDS, off by default): irsnap stays on the host for a window after the
// snapshot and records what happened in it: process exec/fork/exit, TCP state changes and UDP
// senders, DNS queries and answers, and the packet headers on the wire (docs/observe.md).
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

const CollectorSpec& activity_spec();

/// Platform implementation (activity_linux.cpp: BPF tracepoints, else the process connector and
/// sock_diag polled; activity_windows.cpp: the process and TCP/UDP owner tables polled).
void collect_activity(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
