// SPDX-License-Identifier: Apache-2.0
// /proc/kcore's program headers (physical_memory_map.hpp). The kernel sets p_paddr for the
// direct map of RAM and the kernel text, and -1 for vmalloc, modules and vmemmap, which are not
// physical memory in one piece.
#include <elf.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/physical_memory_map.hpp"

namespace irsnap::physmem {
namespace {

bool is_elf64_le(std::string_view bytes) {
    return bytes.size() >= sizeof(Elf64_Ehdr) && std::memcmp(bytes.data(), ELFMAG, SELFMAG) == 0 &&
           static_cast<unsigned char>(bytes[EI_CLASS]) == ELFCLASS64 &&
           static_cast<unsigned char>(bytes[EI_DATA]) == ELFDATA2LSB;
}

}  // namespace

std::optional<uint64_t> kcore_header_span(std::string_view first_bytes, std::string& error) {
    if (!is_elf64_le(first_bytes)) {
        error = "not a little-endian ELF64 file";
        return std::nullopt;
    }
    Elf64_Ehdr eh{};
    std::memcpy(&eh, first_bytes.data(), sizeof eh);
    if (eh.e_type != ET_CORE) {
        error = fmt::format("ELF type {} is not a core file", eh.e_type);
        return std::nullopt;
    }
    // PN_XNUM (extended numbering, the count in a section header) is for cores of more than
    // 65534 segments; kcore has a few dozen.
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM ||
        eh.e_phoff < sizeof(Elf64_Ehdr) || eh.e_phoff > (1u << 20)) {
        error = fmt::format("implausible program header table ({} entries of {} bytes at {})",
                            eh.e_phnum, eh.e_phentsize, eh.e_phoff);
        return std::nullopt;
    }
    return eh.e_phoff + uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
}

std::optional<std::vector<KcoreSegment>> parse_kcore_segments(std::string_view header,
                                                              std::string& error) {
    const auto span = kcore_header_span(header, error);
    if (!span) return std::nullopt;
    if (header.size() < *span) {
        error = fmt::format("the program header table ends at {} but only {} bytes were read",
                            *span, header.size());
        return std::nullopt;
    }
    Elf64_Ehdr eh{};
    std::memcpy(&eh, header.data(), sizeof eh);
    std::vector<KcoreSegment> out;
    for (uint64_t i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        std::memcpy(&ph, header.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_paddr == UINT64_MAX || ph.p_filesz == 0) continue;
        // Segments that would wrap either address space are not memory the kernel described.
        if (ph.p_paddr + ph.p_filesz < ph.p_paddr || ph.p_offset + ph.p_filesz < ph.p_offset) {
            continue;
        }
        out.push_back({ph.p_paddr, ph.p_offset, ph.p_filesz});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const KcoreSegment& a, const KcoreSegment& b) { return a.size > b.size; });
    return out;
}

std::vector<KcoreSegment> segments_in_ram(const std::vector<KcoreSegment>& segments,
                                          const std::vector<PhysicalRange>& ram,
                                          uint64_t page_size) {
    std::vector<KcoreSegment> out;
    for (const auto& s : segments) {
        const bool inside = std::any_of(ram.begin(), ram.end(), [&](const PhysicalRange& r) {
            const uint64_t first = r.start / page_size * page_size;
            const uint64_t after = r.end > UINT64_MAX - (page_size - 1)
                                       ? UINT64_MAX
                                       : (r.end + page_size - 1) / page_size * page_size;
            return s.physical >= first && s.physical < after && s.size <= after - s.physical;
        });
        if (inside) out.push_back(s);
    }
    return out;
}

uint64_t mapped_bytes(const PhysicalRange& range, const std::vector<KcoreSegment>& segments) {
    std::vector<std::pair<uint64_t, uint64_t>> parts;
    for (const auto& s : segments) {
        const uint64_t from = std::max(range.start, s.physical);
        const uint64_t to = std::min(range.end, s.physical + s.size);
        if (from < to) parts.emplace_back(from, to);
    }
    std::sort(parts.begin(), parts.end());
    uint64_t total = 0, covered_to = range.start;
    for (const auto& [from, to] : parts) {
        const uint64_t begin = std::max(from, covered_to);
        if (to > begin) total += to - begin;
        covered_to = std::max(covered_to, to);
    }
    return total;
}

const KcoreSegment* segment_holding(const std::vector<KcoreSegment>& segments, uint64_t physical) {
    for (const auto& s : segments) {
        if (physical >= s.physical && physical - s.physical < s.size) return &s;
    }
    return nullptr;
}

}  // namespace irsnap::physmem
