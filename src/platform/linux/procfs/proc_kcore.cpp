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

// A real kcore has a few dozen headers (one per RAM range plus a handful); this bounds what a
// hostile or broken file can make irsnap read and hold.
constexpr uint64_t k_max_headers = 65536;

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
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum >= k_max_headers ||
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

const KcoreSegment* segment_holding(const std::vector<KcoreSegment>& segments, uint64_t physical) {
    for (const auto& s : segments) {
        if (physical >= s.physical && physical - s.physical < s.size) return &s;
    }
    return nullptr;
}

}  // namespace irsnap::physmem
