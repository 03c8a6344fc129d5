// SPDX-License-Identifier: Apache-2.0
// The functions an ELF shared object exports through its dynamic symbol table: what a preloaded
// library puts in front of libc's own. Read as bytes, never loaded (dlopen would run its code).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"

namespace irsnap::elf {

/// Most symbols read from one table: a real library exports a few thousand at most (libc about
/// 3000), a crafted one claiming millions costs no more than this.
inline constexpr size_t k_max_dynsym_symbols = 65536;
/// Names longer than this are skipped: a libc function name is short, and a name without a NUL
/// in its string table must not be searched to the end of the file.
inline constexpr size_t k_max_symbol_name_bytes = 256;

struct DynamicExports {
    /// Sorted, each once: symbols of the .dynsym section that are defined here (section index
    /// not SHN_UNDEF), visible to other objects (binding GLOBAL or WEAK, visibility DEFAULT or
    /// PROTECTED) and code (type FUNC or GNU_IFUNC). Names as stored: no version suffix.
    std::vector<std::string> functions;
    /// The table had more than k_max_dynsym_symbols entries: only the first ones were read.
    bool truncated = false;
};

/// Parses an ELF image (32 or 64-bit, little or big-endian) both ways its exports can be found,
/// and returns what either finds: the SHT_DYNSYM section with the string table its sh_link
/// names (what tools read), and the PT_DYNAMIC segment's DT_SYMTAB and DT_STRTAB, counted by
/// DT_GNU_HASH or DT_HASH (what the dynamic loader reads: a library stripped of its section
/// headers, or given false ones, still hooks what this says). Every offset, size and count is
/// checked against the image before it is read, so a truncated or lying file is an ItemError
/// (stage "parse") when neither view can be read, never a read out of bounds. Pure: no I/O.
Result<DynamicExports> parse_elf_dynsym(std::string_view image);

}  // namespace irsnap::elf
