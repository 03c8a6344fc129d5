// SPDX-License-Identifier: Apache-2.0
// Process memory on Windows. Every process's private executable regions (VirtualQueryEx:
// committed MEM_PRIVATE with a PAGE_EXECUTE* protection, code with no image behind it) are
// captured raw; the processes --dump-pid names and, with --dump-suspicious, those the checks
// flag are dumped as minidumps by irsnap's own writer (minidump_layout.hpp): the bytes go
// straight from ReadProcessMemory into the encrypted ZIP, never into a file of their own.
#include <windows.h>

#include <psapi.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/debug_process_list.hpp"
#include "irsnap/windows/dos_devices_windows.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_object_path.hpp"
#include "irsnap/windows/win_text.hpp"
#include "memory.hpp"
#include "memory_store.hpp"
#include "minidump_layout.hpp"
#include "process_memory_windows.hpp"
#include "samples/samples.hpp"

namespace irsnap::collectors {
namespace {

using win::to_utf8;

/// What the process table says of a process.
struct ProcessView {
    std::string name, exe;
    bool escaped = false;
};

std::string win32_error(const char* call, DWORD error) {
    return fmt::format("{}: Win32 error {}", call, error);
}

/// Dump priority of a region (segments_within): private memory exists nowhere else, a
/// writable image or mapping may differ from its file, a read-only one is also on disk.
int dump_priority(const minidump::RegionFacts& r) {
    if (r.type == MEM_PRIVATE) return 0;
    return winmem::writable(r.protect) ? 1 : 2;
}

class MemoryWalk {
  public:
    MemoryWalk(const Context& ctx, RecordSink& sink) : m_ctx(ctx), m_sink(sink), m_budgets(ctx) {}

    void run() {
        const auto processes = debug_process_list(m_sink);
        std::vector<RegionPlan> regions;
        std::vector<DumpCandidate> checked;
        const bool scan = m_ctx.params.memory_regions || m_ctx.params.dump_suspicious;
        for (const auto& p : processes) {
            if (m_ctx.should_stop()) break;
            if (p.pid == 0 || p.pid == 4) continue;
            ProcessView& view = m_views[p.pid];
            view.name = to_utf8(p.image_name);
            view.escaped = win::utf16_has_unpaired_surrogate(p.image_name);
            if (scan && p.pid != m_self) scan_process(p.pid, view, regions, checked);
        }
        if (m_denied) {
            m_sink.coverage(fmt::format(
                "{} process(es) could not be opened to look for executable memory "
                "(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ): protected processes, or not an "
                "administrator",
                m_denied));
        }
        auto candidates = choose_dumps(m_ctx.params, m_ctx.flagged_processes(), checked);
        emit_memory_scan(m_sink, {m_scanned, static_cast<int64_t>(m_denied),
                                  static_cast<int64_t>(regions.size()),
                                  static_cast<int64_t>(candidates.size())});
        if (m_ctx.params.memory_regions && !m_ctx.should_stop()) {
            capture_regions(m_ctx, m_sink, m_budgets, std::move(regions),
                            [](int64_t pid, std::string& why) { return open_reader(pid, why); });
        }
        // A process flagged only by an earlier collector has no estimate of its own: the scan's
        // puts it in its place among the smaller-first.
        for (auto& c : candidates) {
            if (auto it = m_estimates.find(c.pid); it != m_estimates.end()) {
                c.estimated_bytes = std::max(c.estimated_bytes, it->second);
            }
        }
        order_dump_candidates(candidates);
        for (const DumpCandidate& c : candidates) {
            if (m_ctx.should_stop()) break;
            dump(c);
        }
    }

  private:
    static MemoryRead open_reader(int64_t pid, std::string& why) {
        auto process = std::make_shared<win::UniqueHandle>(OpenProcess(
            PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, FALSE, static_cast<DWORD>(pid)));
        if (!*process) {
            why = win32_error("OpenProcess", GetLastError());
            return {};
        }
        return winmem::memory_reader(std::move(process));
    }

    /// The process's anonymous executable regions and what its image path and memory say.
    void scan_process(uint32_t pid, ProcessView& view, std::vector<RegionPlan>& regions,
                      std::vector<DumpCandidate>& checked) {
        win::UniqueHandle process(
            OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid));
        if (!process) {
            if (GetLastError() == ERROR_INVALID_PARAMETER) {
                m_sink.race();  // exited since the table was read
            } else {
                ++m_denied;
            }
            return;
        }
        ++m_scanned;
        DWORD error = 0;
        if (auto path = win::process_image_path(process.get(), error)) {
            view.exe = to_utf8(*path);
            view.escaped = view.escaped || win::utf16_has_unpaired_surrogate(*path);
        }
        DumpCandidate candidate;
        candidate.pid = pid;
        if (!view.exe.empty() &&
            windows_path_reasons(view.exe).count(SpecimenReason::temporary_place)) {
            candidate.reasons.insert(DumpReason::temporary_place);
        }
        for (const auto& r : winmem::query_regions(process.get())) {
            if (winmem::readable(r)) candidate.estimated_bytes += r.size;
            if (!winmem::anonymous_executable(r)) continue;
            candidate.reasons.insert(DumpReason::anonymous_executable);
            RegionPlan plan;
            plan.pid = pid;
            plan.process = view.name;
            plan.exe = view.exe;
            plan.escaped = view.escaped;
            plan.start = r.base;
            plan.end = r.base + r.size;
            plan.permissions = winmem::permissions(r);
            plan.backing = "anonymous";
            regions.push_back(std::move(plan));
        }
        m_estimates[pid] = candidate.estimated_bytes;
        if (!candidate.reasons.empty()) checked.push_back(std::move(candidate));
    }

    /// The file behind an image or mapped region, as a Win32 path; "" for private memory.
    std::string mapped_path(HANDLE process, const minidump::RegionFacts& r, bool& escaped) {
        if (r.type != MEM_IMAGE && r.type != MEM_MAPPED) return "";
        auto [it, added] = m_mapped.try_emplace(r.allocation_base);
        if (added) {
            std::wstring nt(4096, L'\0');
            const DWORD n = GetMappedFileNameW(process, reinterpret_cast<LPVOID>(r.base), nt.data(),
                                               static_cast<DWORD>(nt.size()));
            nt.resize(n);
            while (!nt.empty() && nt.back() == L'\0') nt.pop_back();  // Wine counts the NUL
            if (!nt.empty()) {
                it->second.second = win::utf16_has_unpaired_surrogate(nt);
                it->second.first =
                    win::nt_path_to_win32(to_utf8(nt), m_drives).value_or(to_utf8(nt));
            }
        }
        escaped = escaped || it->second.second;
        return it->second.first;
    }

    void dump(const DumpCandidate& c) {
        DumpPlan plan;
        plan.pid = c.pid;
        plan.reasons = c.reasons;
        plan.format = "minidump";
        plan.extension = "dmp";
        if (auto it = m_views.find(c.pid); it != m_views.end()) {
            plan.process = it->second.name;
            plan.exe = it->second.exe;
            plan.escaped = it->second.escaped;
        }
        if (c.pid == m_self) {
            emit_dump_refusal(m_sink, plan, "refused", "irsnap itself is never dumped");
            return;
        }
        if (c.pid <= 0 || c.pid == 4 || c.pid > UINT32_MAX) {
            emit_dump_refusal(m_sink, plan, "refused",
                              "the idle process and System hold kernel memory, not a user process");
            return;
        }
        if (m_budgets.dump_allowance(m_ctx) == 0) {
            // Refused before the process is stopped: a freeze for nothing is still a freeze.
            emit_dump_refusal(m_sink, plan, m_budgets.dump_limit(m_ctx),
                              "no room left for a dump (--max-dump-total-bytes or the output's "
                              "free space above its 256 MiB reserve)");
            return;
        }
        const auto pid = static_cast<uint32_t>(c.pid);
        auto process = std::make_shared<win::UniqueHandle>(OpenProcess(
            PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_SUSPEND_RESUME, FALSE, pid));
        if (!*process) {
            const DWORD error = GetLastError();
            emit_dump_refusal(m_sink, plan,
                              error == ERROR_INVALID_PARAMETER ? "vanished" : "denied",
                              win32_error("OpenProcess", error));
            return;
        }
        HANDLE h = process->get();
        if (plan.exe.empty()) {
            DWORD error = 0;
            if (auto path = win::process_image_path(h, error)) plan.exe = to_utf8(*path);
        }
        const MemoryRead read = winmem::memory_reader(process);
        m_mapped.clear();
        winmem::ProcessFreeze freeze(h, m_ctx.params.dump_freeze);
        plan.frozen = freeze.frozen();
        plan.freeze_note = freeze.note();
        minidump::DumpFacts facts;
        facts.pid = pid;
        facts.time_date_stamp = static_cast<uint32_t>(wall_clock_ns() / 1'000'000'000);
        facts.system = winmem::system_facts();
        facts.regions = winmem::query_regions(h);
        if (facts.regions.empty()) {
            freeze.resume();
            emit_dump_refusal(m_sink, plan, "vanished", "VirtualQueryEx found no memory");
            return;
        }
        facts.threads = winmem::read_threads(h, pid, plan.frozen, read);
        facts.modules = winmem::read_modules(h, read);
        const std::set<size_t> left_out = choose_segments(facts, plan);
        const minidump::Layout layout = minidump::build_layout(facts);
        plan.pieces = layout.pieces;
        describe_segments(h, facts, layout, left_out, plan);
        // No spool on Windows: the process stays suspended for the whole write (docs/memory.md).
        FreezeWindow window;
        bool thawed = false;
        const auto thaw = [&] {
            if (thawed) return;
            thawed = true;
            window = freeze.resume();
        };
        const DumpWrite written = write_dump(m_ctx, m_sink, m_budgets, plan, read, nullptr, thaw);
        thaw();
        emit_dump(m_sink, plan, written, window);
    }

    /// Marks the readable regions the dump allowance holds (private memory first) as dumped;
    /// returns the indexes of those it left out.
    std::set<size_t> choose_segments(minidump::DumpFacts& facts, DumpPlan& plan) {
        std::vector<size_t> candidates;
        std::vector<uint64_t> sizes;
        std::vector<int> priority;
        for (size_t i = 0; i < facts.regions.size(); ++i) {
            auto& r = facts.regions[i];
            r.dumped = winmem::readable(r);
            if (!r.dumped) continue;
            candidates.push_back(i);
            sizes.push_back(r.size);
            priority.push_back(dump_priority(r));
        }
        // The streams come first in the file and out of the same allowance.
        const uint64_t streams = minidump::build_layout(facts).pieces.front().length();
        const uint64_t allowance = m_budgets.dump_allowance(m_ctx);
        const auto chosen =
            segments_within(sizes, priority, allowance > streams ? allowance - streams : 0);
        std::set<size_t> left_out;
        for (size_t k = 0; k < candidates.size(); ++k) {
            if (chosen[k]) continue;
            facts.regions[candidates[k]].dumped = false;
            left_out.insert(candidates[k]);
        }
        if (!left_out.empty()) {
            plan.notes.push_back(fmt::format(
                "{} readable region(s) left out by the dump budget (listed in the minidump's "
                "memory information, not in its memory)",
                left_out.size()));
        }
        return left_out;
    }

    void describe_segments(HANDLE process, const minidump::DumpFacts& facts,
                           const minidump::Layout& layout, const std::set<size_t>& left_out,
                           DumpPlan& plan) {
        for (size_t i = 0; i < facts.regions.size(); ++i) {
            const auto& r = facts.regions[i];
            if (r.state == MEM_FREE) continue;
            SegmentRecord s;
            s.start = r.base;
            s.end = r.base + r.size;
            s.permissions = winmem::permissions(r);
            s.path = mapped_path(process, r, plan.escaped);
            if (layout.region_piece[i] != minidump::npos) {
                s.piece = layout.region_piece[i];
            } else {
                s.skipped = left_out.count(i)          ? "budget"
                            : r.state == MEM_RESERVE   ? "reserved"
                            : (r.protect & PAGE_GUARD) ? "guard_page"
                                                       : "not_readable";
            }
            plan.segments.push_back(std::move(s));
        }
        size_t with_context = 0;
        for (const auto& t : facts.threads) with_context += !t.context.empty();
        plan.threads = static_cast<int64_t>(with_context);
        if (with_context < facts.threads.size()) {
            plan.notes.push_back(
                fmt::format("{} of {} thread(s) without registers (OpenThread or "
                            "GetThreadContext failed)",
                            facts.threads.size() - with_context, facts.threads.size()));
        }
        if (layout.stacks_referenced < facts.threads.size()) {
            plan.notes.push_back(fmt::format(
                "{} of {} thread stack(s) not referenced by their thread (stack unknown, "
                "not dumped or beyond 4 GiB into the file); their memory is in the dump "
                "when dumped",
                facts.threads.size() - layout.stacks_referenced, facts.threads.size()));
        }
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    MemoryBudgets m_budgets;
    const DWORD m_self = GetCurrentProcessId();
    std::map<int64_t, ProcessView> m_views;
    std::map<int64_t, uint64_t> m_estimates;  ///< pid -> readable bytes, from the scan
    uint64_t m_denied = 0;
    int64_t m_scanned = 0;  ///< processes whose memory was looked at
    std::vector<win::DosDevice> m_drives = win::dos_devices();
    std::map<uint64_t, std::pair<std::string, bool>> m_mapped;  ///< allocation base -> path
};

}  // namespace

void collect_memory(const Context& ctx, RecordSink& sink) {
    MemoryWalk(ctx, sink).run();
}

}  // namespace irsnap::collectors
