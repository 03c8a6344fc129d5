// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// The kernel's loaded eBPF programs, links and maps, who holds and pins them, and the classic
/// BPF filters on raw and packet sockets (docs/kernel-views.md).
const CollectorSpec& bpf_spec();

/// Linux only (bpf_linux.cpp). Privileges: root (CAP_SYS_ADMIN) to list BPF objects;
/// CAP_SYS_PTRACE to read other processes' descriptors.
void collect_bpf(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
