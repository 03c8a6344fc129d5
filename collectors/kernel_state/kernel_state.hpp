// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Kernel state that changes at run time and that rootkits touch: security sysctls, the taint
/// mask, the lockdown mode, and the kernel log ring buffer (/dev/kmsg).
const CollectorSpec& kernel_state_spec();

/// Platform implementation (kernel_state_linux.cpp, kernel_state_kmsg_linux.cpp). Sysctls come
/// from the proc root, lockdown from /sys under the host root; /dev/kmsg is read only when the
/// proc root is the live /proc. Privileges: root (CAP_SYSLOG) to read the log when
/// dmesg_restrict is 1; without it a coverage note, the settings are still read.
void collect_kernel_state(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
