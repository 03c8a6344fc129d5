// SPDX-License-Identifier: Apache-2.0
// The layout of a Linux ELF core file as gdb and readelf read it (the format the kernel writes
// on a crash): ELF header, one PT_NOTE and one PT_LOAD per mapping, the notes (NT_PRSTATUS and
// NT_FPREGSET per thread, NT_PRPSINFO, NT_AUXV, NT_FILE), then each dumped mapping's bytes at a
// page-aligned offset. Pure: plain inputs in, the file as DumpPieces out (memory pieces are
// read later, while the process is stopped), so it is tested with literal inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memory_store.hpp"

namespace irsnap::collectors {

/// One thread's registers as PTRACE_GETREGSET gives them (raw bytes; empty when not read).
struct CoreThread {
    int32_t tid = 0;
    std::string general;   ///< NT_PRSTATUS regset (elf_gregset_t)
    std::string floating;  ///< NT_PRFPREG regset
    std::string xstate;    ///< NT_X86_XSTATE regset (x86 only; empty elsewhere)
};

/// What NT_PRPSINFO says about the process.
struct CoreProcess {
    int32_t pid = 0, ppid = 0, pgrp = 0, sid = 0;
    uint32_t uid = 0, gid = 0;
    char state = 'R';
    std::string name;  ///< comm (16 bytes kept)
    std::string args;  ///< command line, spaces between arguments (80 bytes kept)
};

/// One mapping of /proc/PID/maps and whether its bytes go into the file.
struct CoreMapping {
    uint64_t start = 0, end = 0;
    std::string perms;    ///< rwxp
    uint64_t offset = 0;  ///< file offset of the mapping
    std::string path;     ///< as the kernel names it; non-empty only for file mappings (NT_FILE)
    bool dumped = false;  ///< its bytes are in the file (PT_LOAD p_filesz = size)
};

/// The whole file. `pieces` starts with the headers and notes as literal bytes, padded to a
/// page, then one memory piece per dumped mapping in mapping order; `piece_of[i]` is mapping
/// i's index among the memory pieces.
struct CoreFile {
    std::vector<DumpPiece> pieces;
    std::vector<std::optional<size_t>> piece_of;
    uint64_t header_bytes = 0;  ///< headers + notes + padding
};

/// `machine` is the ELF e_machine of the target (EM_X86_64 ...). Threads with empty registers
/// get a PRSTATUS with zeros (the process was not stopped: no registers could be read).
CoreFile build_elf_core(uint16_t machine, const CoreProcess& process,
                        const std::vector<CoreThread>& threads, std::string_view auxv,
                        const std::vector<CoreMapping>& mappings);

/// The size of everything before the first mapping's bytes for these inputs (what the budget
/// must leave room for). Pure.
uint64_t elf_core_header_bytes(uint16_t machine, const CoreProcess& process,
                               const std::vector<CoreThread>& threads, std::string_view auxv,
                               const std::vector<CoreMapping>& mappings);

}  // namespace irsnap::collectors
