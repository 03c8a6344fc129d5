// SPDX-License-Identifier: Apache-2.0
// Process memory: the anonymous executable regions of every process (always, small budget) and
// whole-process dumps (--dump-pid, --dump-suspicious) as ELF cores (Linux) or minidumps
// (Windows), stored only inside password-protected ZIP archives (docs/memory.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/collector.hpp"

namespace irsnap::collectors {

const CollectorSpec& memory_spec();

/// Platform implementation (memory_linux.cpp / memory_windows.cpp).
void collect_memory(const Context& ctx, RecordSink& sink);

/// Why a process is dumped, most suspicious first: the order the dump budget is spent in.
enum class DumpReason {
    requested,             ///< --dump-pid
    hidden_process,        ///< hidden_processes found it missing from a listing
    memfd_executable,      ///< its program runs from a memfd
    deleted_executable,    ///< its program file was unlinked
    preload,               ///< LD_PRELOAD / LD_AUDIT / a library named by /etc/ld.so.preload
    temporary_place,       ///< its program lies in /tmp, /dev/shm, %TEMP%, Downloads ...
    unsigned_image,        ///< Windows: the program is not Authenticode-valid
    unsigned_module,       ///< Windows: a signed program loaded an unsigned module
    anonymous_executable,  ///< executable memory with no file behind it (or a memfd mapping)
};
std::string to_string(DumpReason reason);
/// The reason a Context::flag_process text names; nullopt for an unknown text.
std::optional<DumpReason> dump_reason_named(std::string_view name);

/// A process chosen for a dump.
struct DumpCandidate {
    int64_t pid = 0;
    std::set<DumpReason> reasons;
    uint64_t estimated_bytes = 0;  ///< readable memory, for the order (smaller first)
};

/// Orders candidates: most suspicious reason first, then smaller first (more of them fit), then
/// by pid. Pure.
void order_dump_candidates(std::vector<DumpCandidate>& candidates);

/// The pids and reasons --dump-pid, --dump-suspicious and the earlier collectors' flags give,
/// merged with what the platform's own checks found (`checked`). Without --dump-suspicious only
/// the requested pids are kept. Pure.
std::vector<DumpCandidate> choose_dumps(const CollectParams& params,
                                        const std::map<int64_t, std::set<std::string>>& flagged,
                                        const std::vector<DumpCandidate>& checked);

/// Member names inside the archives: `pid<PID>_<start>-<end>.bin` (hex, 16 digits) for a
/// region, `pid<PID>.<extension>` for a dump. ASCII, no separators: safe to extract.
std::string region_member_name(int64_t pid, uint64_t start, uint64_t end);
std::string dump_member_name(int64_t pid, std::string_view extension);

/// "0x7f12a000": the hex text every address in the records uses.
std::string hex_address(uint64_t address);

}  // namespace irsnap::collectors
