// SPDX-License-Identifier: Apache-2.0
// Pure parser for /proc/PID/maps: text in, entries out, never the file system, so it is tested
// with literal strings and fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::procfs {

/// One line of /proc/PID/maps: "start-end perms offset major:minor inode   pathname".
struct MapsEntry {
    uint64_t start = 0;
    uint64_t end = 0;
    std::string perms;  ///< four letters: r w x, then p (private) or s (shared)
    uint64_t offset = 0;
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    uint64_t inode = 0;
    /// Exactly as the kernel printed it: may hold spaces, ends with " (deleted)" for unlinked
    /// files (or files really named so), "[heap]"-style names for special regions, empty for
    /// anonymous memory. The kernel writes a newline in a name as "\012"; that is kept as is.
    std::string pathname;

    bool readable() const { return perms.size() > 0 && perms[0] == 'r'; }
    bool writable() const { return perms.size() > 1 && perms[1] == 'w'; }
    bool executable() const { return perms.size() > 2 && perms[2] == 'x'; }
    uint64_t size() const { return end - start; }
};

/// What backs a mapping, judged from its pathname alone.
enum class MapsBacking {
    file,       ///< a file (including memfds, deleted files, shared-memory objects)
    anonymous,  ///< no name, or a name the process gave it ([anon:NAME]), [heap], [stack]
    kernel,     ///< code or data the kernel provides: [vdso], [vvar], [vsyscall], ...
};
MapsBacking maps_backing(std::string_view pathname);

/// True for "/memfd:NAME (deleted)": memory-only files, where fileless code lives.
bool is_memfd_pathname(std::string_view pathname);

/// Parses the whole file. Malformed lines are skipped and counted in `malformed` when given;
/// nothing throws.
std::vector<MapsEntry> parse_proc_pid_maps(std::string_view text, size_t* malformed = nullptr);

/// The `VmFlags:` line of each mapping in /proc/PID/smaps ("rd ex mr mw me dw io pf dd ..."),
/// keyed by the mapping's start address. Lines of other kinds are ignored; a flags line before
/// any mapping header is dropped. Pure, like the maps parser.
std::map<uint64_t, std::string> parse_proc_pid_smaps_flags(std::string_view text);

/// True when the space-separated `flags` hold the two-letter `flag` ("io", "pf", "dd").
bool has_vm_flag(std::string_view flags, std::string_view flag);

}  // namespace irsnap::procfs
