// SPDX-License-Identifier: Apache-2.0
#include "memory.hpp"

#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

namespace irsnap::collectors {
namespace {

constexpr std::array<std::pair<DumpReason, const char*>, 9> k_reason_names = {{
    {DumpReason::requested, "requested"},
    {DumpReason::hidden_process, "hidden_process"},
    {DumpReason::memfd_executable, "memfd_executable"},
    {DumpReason::deleted_executable, "deleted_executable"},
    {DumpReason::preload, "preload"},
    {DumpReason::temporary_place, "temporary_place"},
    {DumpReason::unsigned_image, "unsigned_image"},
    {DumpReason::unsigned_module, "unsigned_module"},
    {DumpReason::anonymous_executable, "anonymous_executable"},
}};

std::vector<FieldSpec> memory_fields() {
    return {
        {"kind", "string",
         "scan (one record first: what the pass over the processes saw), dump (a whole "
         "process: ELF core or minidump) or region (one anonymous executable region, captured "
         "for every process)"},
        {"processes_read", "integer", "scan: processes whose memory map was read"},
        {"processes_denied", "integer", "scan: processes whose memory map could not be read"},
        {"regions_found", "integer", "scan: anonymous executable regions found"},
        {"dumps_chosen", "integer", "scan: processes chosen for a dump"},
        {"pid", "integer", "the process"},
        {"process_name", "string", "its name (comm / image name)"},
        {"exe_path", "string", "its program's path"},
        {"reasons", "string[]",
         "why dumped, most suspicious first: requested, hidden_process, memfd_executable, "
         "deleted_executable, preload, temporary_place, unsigned_image, unsigned_module, "
         "anonymous_executable; regions: anonymous_executable"},
        {"format", "string", "elf_core (Linux), minidump (Windows) or raw (a region's bytes)"},
        {"start", "string", "region: first address (hex '0x...')"},
        {"end", "string", "region: the address after the last (hex)"},
        {"permissions", "string", "region: rwx and p (private) or s (shared)"},
        {"backing", "string", "region: anonymous or memfd"},
        {"path", "string", "region: the mapping's name ([heap], [stack], /memfd:NAME)"},
        {"size", "integer", "bytes of the member: the dump file or the region"},
        {"sha256", "string",
         "SHA-256 of the member's bytes as written (unreadable pages are zeros); irsnap extract "
         "checks it"},
        {"archive", "string",
         "the bundle's ZIP archive holding it (password: infected): <NN>_memory.zip for "
         "regions, <NN>_memory.pid<PID>.zip for a dump"},
        {"member", "string",
         "its member name: pid<PID>.core / pid<PID>.dmp / pid<PID>_<start>-<end>.bin"},
        {"bytes_read", "integer", "bytes read from the process"},
        {"unreadable_bytes", "integer", "bytes that could not be read and are zeros"},
        {"segments", "object[]",
         "dump: every mapping in address order (first 4096): start, end (hex), permissions, "
         "path, dumped (boolean), skipped (why not: vvar, io_mapping, not_readable, budget ...), "
         "sha256 of its bytes in the dump, unreadable_bytes, holes ([start, end] hex, first 16)"},
        {"segment_count", "integer", "dump: mappings in all"},
        {"segments_skipped", "integer", "dump: mappings whose bytes are not in the dump"},
        {"threads", "integer", "dump: threads whose registers are in it"},
        {"frozen", "boolean", "dump: the process was stopped while its memory was read"},
        {"freeze_start", "string", "dump: when it was stopped (UTC)"},
        {"freeze_ms", "number", "dump: how long it stayed stopped"},
        {"status", "string",
         "dumped, or partial (holes, or segments left out by the budget), exited (the process "
         "ended during the dump: valid but partial), interrupted, budget, disk_space, too_large, "
         "denied, vanished, refused (irsnap itself, a kernel thread), not_stored, failed"},
        {"status_note", "string", "details of the status"},
        {"notes", "string[]", "what the reader should know (freeze refused, what was skipped)"},
    };
}

}  // namespace

const CollectorSpec& memory_spec() {
    static const CollectorSpec spec = [] {
        CollectorSpec s{
            .name = "memory",
            .description =
                "Process memory: every process's anonymous executable regions (no file behind "
                "them, or a memfd) as raw members, and whole-process dumps for --dump-pid and "
                "--dump-suspicious: an ELF core on Linux (gdb, readelf), a minidump on Windows "
                "(WinDbg). Stored only in ZIP archives with the password 'infected' "
                "(docs/memory.md).",
            .volatility_rank = 51,
            .why =
                "RFC 3227 puts memory near the top, but choosing what to dump needs the process, "
                "hidden-process and module views: right after them, before the specimens (files "
                "that last as long as their process) and anything on disk. A dump of gigabytes "
                "would delay every volatile view if it ran earlier.",
            .platforms = {"linux", "windows"},
            .privileges =
                "root: CAP_SYS_PTRACE (process_vm_readv, /proc/PID/mem, ptrace to stop the "
                "target). Windows: an administrator (SeDebugPrivilege) for PROCESS_VM_READ",
            .without_privileges =
                "degrades: only the caller's own processes are read; the rest are recorded "
                "with status denied",
            .fields = memory_fields(),
            .details =
                "Selection for --dump-suspicious, most suspicious first: requested (--dump-pid), "
                "hidden_process (from hidden_processes), memfd_executable, deleted_executable, "
                "preload, temporary_place, unsigned_image and unsigned_module (Windows, from "
                "processes and modules), anonymous_executable. Within a reason, smaller "
                "processes first. Never irsnap itself, never a kernel thread."};
        return s;
    }();
    return spec;
}

std::string to_string(DumpReason reason) {
    for (const auto& [r, name] : k_reason_names) {
        if (r == reason) return name;
    }
    return "requested";
}

std::optional<DumpReason> dump_reason_named(std::string_view name) {
    for (const auto& [r, text] : k_reason_names) {
        if (name == text) return r;
    }
    return std::nullopt;
}

void order_dump_candidates(std::vector<DumpCandidate>& candidates) {
    std::stable_sort(
        candidates.begin(), candidates.end(), [](const DumpCandidate& a, const DumpCandidate& b) {
            const auto rank = [](const DumpCandidate& c) {
                return c.reasons.empty() ? DumpReason::anonymous_executable : *c.reasons.begin();
            };
            if (rank(a) != rank(b)) return rank(a) < rank(b);
            if (a.estimated_bytes != b.estimated_bytes) {
                return a.estimated_bytes < b.estimated_bytes;
            }
            return a.pid < b.pid;
        });
}

std::vector<DumpCandidate> choose_dumps(const CollectParams& params,
                                        const std::map<int64_t, std::set<std::string>>& flagged,
                                        const std::vector<DumpCandidate>& checked) {
    std::map<int64_t, DumpCandidate> by_pid;
    for (int64_t pid : params.dump_pids) {
        auto& c = by_pid[pid];
        c.pid = pid;
        c.reasons.insert(DumpReason::requested);
    }
    auto merge = [&](const DumpCandidate& c) {
        if (!params.dump_suspicious && !by_pid.count(c.pid)) return;
        auto& into = by_pid[c.pid];
        into.pid = c.pid;
        into.reasons.insert(c.reasons.begin(), c.reasons.end());
        into.estimated_bytes = std::max(into.estimated_bytes, c.estimated_bytes);
    };
    for (const auto& c : checked) merge(c);
    for (const auto& [pid, whys] : flagged) {
        DumpCandidate c;
        c.pid = pid;
        for (const auto& why : whys) {
            if (auto r = dump_reason_named(why)) c.reasons.insert(*r);
        }
        if (!c.reasons.empty()) merge(c);
    }
    std::vector<DumpCandidate> out;
    out.reserve(by_pid.size());
    for (auto& [pid, c] : by_pid) out.push_back(std::move(c));
    order_dump_candidates(out);
    return out;
}

std::string region_member_name(int64_t pid, uint64_t start, uint64_t end) {
    return fmt::format("pid{}_{:016x}-{:016x}.bin", pid, start, end);
}

std::string dump_member_name(int64_t pid, std::string_view extension) {
    return fmt::format("pid{}.{}", pid, extension);
}

std::string hex_address(uint64_t address) {
    return fmt::format("0x{:x}", address);
}

}  // namespace irsnap::collectors
