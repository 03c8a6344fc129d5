// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Kernel modules seen two ways (/proc/modules and /sys/module), their files hashed, and the
/// kernel's taint flags.
const CollectorSpec& kernel_modules_spec();

/// Platform implementation (kernel_modules_linux.cpp). /proc/modules and the taint mask come
/// from the proc root; /sys/module and /lib/modules are read under the host root.
/// Privileges: root to see module addresses (kptr_restrict prints zeroes otherwise). Races: a
/// module loading or unloading between the two views is re-checked before it is called a
/// discrepancy.
void collect_kernel_modules(const Context& ctx, RecordSink& sink);

}  // namespace irsnap::collectors
