// SPDX-License-Identifier: Apache-2.0
#include <elf.h>
#include <sys/procfs.h>

#include <algorithm>
#include <cstring>

#include "elf_core.hpp"

namespace irsnap::collectors {
namespace {

constexpr uint64_t k_align = k_page_size;

uint64_t round_up(uint64_t value, uint64_t to) {
    return (value + to - 1) / to * to;
}

template <typename T>
void put(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

/// One note: header, name and descriptor, each padded to 4 bytes (ELF64 cores use 4, as the
/// kernel and gdb do).
void note(std::string& out, const char* name, uint32_t type, std::string_view desc) {
    Elf64_Nhdr header{};
    header.n_namesz = static_cast<Elf64_Word>(std::strlen(name) + 1);
    header.n_descsz = static_cast<Elf64_Word>(desc.size());
    header.n_type = type;
    put(out, header);
    out.append(name, header.n_namesz);
    out.resize(round_up(out.size(), 4), '\0');
    out.append(desc);
    out.resize(round_up(out.size(), 4), '\0');
}

template <typename T>
std::string_view bytes_of(const T& value) {
    return {reinterpret_cast<const char*>(&value), sizeof(T)};
}

std::string prstatus(const CoreProcess& p, const CoreThread& t) {
    struct elf_prstatus s {};
    s.pr_pid = t.tid;
    s.pr_ppid = p.ppid;
    s.pr_pgrp = p.pgrp;
    s.pr_sid = p.sid;
    std::memcpy(&s.pr_reg, t.general.data(), std::min(t.general.size(), sizeof(s.pr_reg)));
    s.pr_fpvalid = t.floating.empty() ? 0 : 1;
    return std::string(bytes_of(s));
}

std::string prpsinfo(const CoreProcess& p) {
    struct elf_prpsinfo s {};
    s.pr_state = 0;
    s.pr_sname = p.state;
    s.pr_zomb = p.state == 'Z';
    s.pr_uid = p.uid;
    s.pr_gid = p.gid;
    s.pr_pid = p.pid;
    s.pr_ppid = p.ppid;
    s.pr_pgrp = p.pgrp;
    s.pr_sid = p.sid;
    std::memcpy(s.pr_fname, p.name.data(), std::min(p.name.size(), sizeof(s.pr_fname) - 1));
    std::memcpy(s.pr_psargs, p.args.data(), std::min(p.args.size(), sizeof(s.pr_psargs) - 1));
    return std::string(bytes_of(s));
}

/// NT_FILE: count, page size, (start, end, offset in pages) per file mapping, then the names.
std::string file_note(const std::vector<CoreMapping>& mappings) {
    std::string head, names;
    uint64_t count = 0;
    for (const auto& m : mappings) {
        if (m.path.empty()) continue;
        ++count;
        put(head, m.start);
        put(head, m.end);
        put(head, m.offset / k_page_size);
        names.append(m.path);
        names.push_back('\0');
    }
    std::string out;
    put(out, count);
    put(out, uint64_t{k_page_size});
    return out + head + names;
}

std::string notes(const CoreProcess& process, const std::vector<CoreThread>& threads,
                  std::string_view auxv, const std::vector<CoreMapping>& mappings) {
    std::string out;
    // The kernel's order: the first thread's status, the process notes, that thread's other
    // register sets, then each further thread. gdb takes the first PRSTATUS as the current
    // thread.
    auto thread_notes = [&](const CoreThread& t, bool first) {
        note(out, "CORE", NT_PRSTATUS, prstatus(process, t));
        if (first) {
            note(out, "CORE", NT_PRPSINFO, prpsinfo(process));
            if (!auxv.empty()) note(out, "CORE", NT_AUXV, auxv);
            note(out, "CORE", NT_FILE, file_note(mappings));
        }
        if (!t.floating.empty()) note(out, "CORE", NT_FPREGSET, t.floating);
        if (!t.xstate.empty()) note(out, "LINUX", NT_X86_XSTATE, t.xstate);
    };
    if (threads.empty()) {
        thread_notes(CoreThread{process.pid, {}, {}, {}}, true);
    } else {
        for (size_t i = 0; i < threads.size(); ++i) thread_notes(threads[i], i == 0);
    }
    return out;
}

uint32_t segment_flags(const std::string& perms) {
    uint32_t flags = 0;
    if (perms.size() > 0 && perms[0] == 'r') flags |= PF_R;
    if (perms.size() > 1 && perms[1] == 'w') flags |= PF_W;
    if (perms.size() > 2 && perms[2] == 'x') flags |= PF_X;
    return flags;
}

/// Headers and notes, padded to a page; `data_start` receives where the first bytes go.
std::string head(uint16_t machine, const CoreProcess& process,
                 const std::vector<CoreThread>& threads, std::string_view auxv,
                 const std::vector<CoreMapping>& mappings, uint64_t& data_start) {
    const std::string note_bytes = notes(process, threads, auxv, mappings);
    const uint64_t phnum = mappings.size() + 1;
    // More than 65534 program headers: e_phnum says PN_XNUM and section header 0 holds the count.
    const bool extended = phnum >= PN_XNUM;
    const uint64_t phoff = sizeof(Elf64_Ehdr);
    const uint64_t shoff = phoff + phnum * sizeof(Elf64_Phdr);
    const uint64_t notes_at = shoff + (extended ? sizeof(Elf64_Shdr) : 0);
    data_start = round_up(notes_at + note_bytes.size(), k_align);

    std::string out;
    out.reserve(data_start);
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh.e_type = ET_CORE;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = phoff;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(extended ? PN_XNUM : phnum);
    if (extended) {
        eh.e_shoff = shoff;
        eh.e_shentsize = sizeof(Elf64_Shdr);
        eh.e_shnum = 1;
    }
    put(out, eh);

    Elf64_Phdr note_ph{};
    note_ph.p_type = PT_NOTE;
    note_ph.p_offset = notes_at;
    note_ph.p_filesz = note_bytes.size();
    note_ph.p_align = 4;
    put(out, note_ph);
    uint64_t offset = data_start;
    for (const auto& m : mappings) {
        Elf64_Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_offset = offset;
        ph.p_vaddr = m.start;
        ph.p_memsz = m.end - m.start;
        ph.p_filesz = m.dumped ? ph.p_memsz : 0;
        ph.p_flags = segment_flags(m.perms);
        ph.p_align = k_align;
        put(out, ph);
        offset += ph.p_filesz;
    }
    if (extended) {
        Elf64_Shdr sh{};
        sh.sh_info = static_cast<Elf64_Word>(phnum);
        put(out, sh);
    }
    out.append(note_bytes);
    out.resize(data_start, '\0');
    return out;
}

}  // namespace

uint64_t elf_core_header_bytes(uint16_t machine, const CoreProcess& process,
                               const std::vector<CoreThread>& threads, std::string_view auxv,
                               const std::vector<CoreMapping>& mappings) {
    uint64_t data_start = 0;
    head(machine, process, threads, auxv, mappings, data_start);
    return data_start;
}

CoreFile build_elf_core(uint16_t machine, const CoreProcess& process,
                        const std::vector<CoreThread>& threads, std::string_view auxv,
                        const std::vector<CoreMapping>& mappings) {
    CoreFile file;
    DumpPiece first;
    first.bytes = head(machine, process, threads, auxv, mappings, file.header_bytes);
    file.pieces.push_back(std::move(first));
    size_t memory_pieces = 0;
    for (const auto& m : mappings) {
        if (!m.dumped) {
            file.piece_of.emplace_back();
            continue;
        }
        DumpPiece piece;
        piece.memory = true;
        piece.address = m.start;
        piece.size = m.end - m.start;
        file.pieces.push_back(std::move(piece));
        file.piece_of.emplace_back(memory_pieces++);
    }
    return file;
}

}  // namespace irsnap::collectors
