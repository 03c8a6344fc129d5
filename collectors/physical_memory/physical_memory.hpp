// SPDX-License-Identifier: Apache-2.0
// Physical memory (--physical-memory, off by default): the host's RAM as a LiME image, read the
// way AVML reads it, with no kernel module: /proc/kcore, else /dev/crash, else /dev/mem. Stored
// only inside a password-protected ZIP archive (docs/physical-memory.md).
#pragma once

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

const CollectorSpec& physical_memory_spec();

/// Platform implementation (physical_memory_linux.cpp; Windows needs a signed kernel driver and
/// has none: not on this platform).
void collect_physical_memory(const Context& ctx, RecordSink& sink);

/// The image's member name inside <NN>_physical_memory.zip.
inline constexpr const char* k_physical_memory_member = "physical_memory.lime";

}  // namespace irsnap::collectors
