// SPDX-License-Identifier: Apache-2.0
// Where the host's RAM is and where /proc/kcore keeps it, for physical-memory acquisition
// (docs/physical-memory.md). /proc/iomem names the physical ranges that are RAM; /proc/kcore is
// an ELF file whose PT_LOAD program headers give, for the kernel's direct map of RAM, the
// physical address (p_paddr) of the bytes at each file offset. Both parsers are pure: the
// collector reads the files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::physmem {

/// Physical addresses [start, end): end is exclusive (iomem and LiME print inclusive ends).
struct PhysicalRange {
    uint64_t start = 0;
    uint64_t end = 0;
    uint64_t size() const { return end - start; }
    bool operator==(const PhysicalRange&) const = default;
};

/// The top-level "System RAM" entries of /proc/iomem, in address order, overlaps dropped.
struct IomemRam {
    std::vector<PhysicalRange> ranges;
    /// Every address read 0: the kernel shows /proc/iomem's addresses only to CAP_SYS_ADMIN.
    bool addresses_hidden = false;
    size_t malformed = 0;  ///< top-level lines that did not parse
};
IomemRam parse_iomem_system_ram(std::string_view text);

/// A PT_LOAD segment of /proc/kcore with a physical address: the file's bytes
/// [file_offset, file_offset + size) are physical memory [physical, physical + size).
struct KcoreSegment {
    uint64_t physical = 0;
    uint64_t file_offset = 0;
    uint64_t size = 0;
    bool operator==(const KcoreSegment&) const = default;
};

/// How many bytes from the start of /proc/kcore hold its ELF header and program header table,
/// read from the first 64 bytes (the ELF64 header); nullopt with `error` set when they are not
/// a little-endian ELF64 core header or the table is implausibly large.
std::optional<uint64_t> kcore_header_span(std::string_view first_bytes, std::string& error);

/// The segments that map physical memory, from the bytes kcore_header_span asked for. Headers
/// whose p_paddr is unknown (-1: vmalloc, modules, vmemmap) are left out. Sorted by size,
/// largest first, so that where the kernel text's segment overlaps the direct map, lookups
/// use the direct map.
std::optional<std::vector<KcoreSegment>> parse_kcore_segments(std::string_view header,
                                                              std::string& error);

/// The segments that lie inside one System RAM range of `ram` (its ends rounded out to whole
/// pages of `page_size` bytes: kcore maps RAM by pages), in the same order. What is left out
/// is not physical memory kcore described: a kernel before 4.11 wrote p_paddr 0 for every
/// segment (vmalloc's terabytes among them), which must never pass for RAM at address 0.
std::vector<KcoreSegment> segments_in_ram(const std::vector<KcoreSegment>& segments,
                                          const std::vector<PhysicalRange>& ram,
                                          uint64_t page_size);

/// Bytes of `range` that `segments` map (overlapping segments counted once).
uint64_t mapped_bytes(const PhysicalRange& range, const std::vector<KcoreSegment>& segments);

/// The segment that holds `physical`, or null.
const KcoreSegment* segment_holding(const std::vector<KcoreSegment>& segments, uint64_t physical);

}  // namespace irsnap::physmem
