// SPDX-License-Identifier: Apache-2.0
// The ways to read a Linux host's physical memory without loading a module, tried in AVML's
// order: /proc/kcore (an ELF view of the kernel's direct map; translated through its program
// headers), /dev/crash (Red Hat's driver; physical offsets), /dev/mem (physical offsets; only
// the first MiB under STRICT_DEVMEM). Each is opened read-only; none changes anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "irsnap/collector.hpp"
#include "irsnap/linux/physical_memory_map.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap::collectors {

/// What trying one source found: usable, or why not (one phrase: it ends up in a one-line
/// refusal).
struct PhysicalSourceCheck {
    std::string name;  ///< /proc/kcore, /dev/crash, /dev/mem
    bool usable = false;
    std::string reason;
};

struct PhysicalSource {
    std::string name;
    UniqueFd fd;
    /// kcore: where each physical range sits in the file. Devices: empty (offset = address).
    std::vector<physmem::KcoreSegment> segments;
    bool translated = false;
};

/// The kernel's page size (4096 when sysconf cannot say): kcore maps RAM by whole pages.
uint64_t page_size();

/// Reads up to `size` bytes of physical memory at `address`: the bytes read (fewer when an
/// unreadable or unmapped page follows; 0 when the first one is) or -errno.
long read_physical(const PhysicalSource& source, uint64_t address, char* buffer, size_t size);

/// Tries the sources in order until one can read `ram`; one check per source tried.
std::optional<PhysicalSource> open_physical_source(const Context& ctx,
                                                   const std::vector<physmem::PhysicalRange>& ram,
                                                   std::vector<PhysicalSourceCheck>& checks);

}  // namespace irsnap::collectors
