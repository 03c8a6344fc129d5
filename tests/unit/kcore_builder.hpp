// SPDX-License-Identifier: Apache-2.0
// A file laid out like /proc/kcore, for tests of physical-memory acquisition on machines that
// have none: an ELF64 core header, one PT_LOAD per segment (p_paddr -1 where the physical
// address is unknown, as for vmalloc), each segment's bytes at a page-aligned offset.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace irsnap::test {

struct FakeKcoreSegment {
    uint64_t physical = 0;  ///< UINT64_MAX: unknown (the kernel's -1)
    std::string bytes;
};

inline std::string fake_kcore(const std::vector<FakeKcoreSegment>& segments) {
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<uint16_t>(segments.size());
    std::string out(sizeof eh, '\0');
    std::memcpy(out.data(), &eh, sizeof eh);
    uint64_t offset = 4096;
    std::vector<uint64_t> offsets;
    for (const auto& s : segments) {
        Elf64_Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_flags = PF_R | PF_W | PF_X;
        ph.p_offset = offset;
        ph.p_vaddr = 0xffff888000000000ull + (s.physical == UINT64_MAX ? 0 : s.physical);
        ph.p_paddr = s.physical;
        ph.p_filesz = ph.p_memsz = s.bytes.size();
        ph.p_align = 4096;
        std::string bytes(sizeof ph, '\0');
        std::memcpy(bytes.data(), &ph, sizeof ph);
        out += bytes;
        offsets.push_back(offset);
        offset += (s.bytes.size() + 4095) / 4096 * 4096;
    }
    for (size_t i = 0; i < segments.size(); ++i) {
        out.resize(offsets[i], '\0');
        out += segments[i].bytes;
    }
    return out;
}

}  // namespace irsnap::test
