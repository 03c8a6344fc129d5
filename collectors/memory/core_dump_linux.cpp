// SPDX-License-Identifier: Apache-2.0
// One process dumped as an ELF core: stopped (unless --dump-no-freeze), its mappings, threads'
// registers and auxiliary vector read, the core planned to the byte (its size is known before
// the first byte, as a tar stream needs), streamed into its encrypted archive, let go.
#include <elf.h>
#include <fcntl.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "elf_core.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/proc_maps.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/text.hpp"
#include "memory_linux.hpp"

namespace irsnap::collectors {
namespace {

constexpr uint64_t k_pf_kthread = 0x00200000;  ///< PF_KTHREAD in /proc/PID/stat's flags
/// /proc/PID/maps of a process with the kernel's 65530 mappings is about 7 MB; smaps 20x that.
constexpr size_t k_core_dump_maps_cap = 64u << 20;
constexpr size_t k_max_smaps_bytes = 256u << 20;

/// The ELF machine of irsnap's own executable: the dumps are of processes of the same kind
/// (a 32-bit process on a 64-bit kernel gets a note).
uint16_t own_machine() {
    static const uint16_t machine = [] {
        auto head = posix::read_file_at(AT_FDCWD, "/proc/self/exe", 64);
        if (!head || head->size() < sizeof(Elf64_Ehdr)) return uint16_t{EM_X86_64};
        Elf64_Ehdr eh{};
        std::memcpy(&eh, head->data(), sizeof eh);
        return static_cast<uint16_t>(eh.e_machine);
    }();
    return machine;
}

std::string regset(int32_t tid, unsigned type, size_t size) {
    std::string out(size, '\0');
    struct iovec iov {
        out.data(), out.size()
    };
    // ptrace takes the register set's type in its pointer-sized address argument.
    void* const which = reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
        static_cast<uintptr_t>(type));
    if (::ptrace(PTRACE_GETREGSET, tid, which, &iov) != 0) {
        return {};
    }
    out.resize(iov.iov_len);
    return out;
}

CoreThread thread_registers(int32_t tid) {
    CoreThread t;
    t.tid = tid;
    t.general = regset(tid, NT_PRSTATUS, sizeof(elf_gregset_t));
    t.floating = regset(tid, NT_FPREGSET, sizeof(elf_fpregset_t));
    // No NT_X86_XSTATE: gdb sizes it from the CPU features it infers and refuses a note of
    // another size ("section .reg-xstate too small"); the SSE registers are in NT_FPREGSET.
    return t;
}

/// Why a mapping's bytes stay out of the core even with budget to spare, or "".
std::string skip_reason(const procfs::MapsEntry& m, const std::string* vm_flags) {
    if (m.pathname == "[vvar]" || m.pathname == "[vvar_vclock]") {
        return "vvar";  // the kernel's clock page: reading some of it faults
    }
    if (m.pathname == "[vsyscall]") return "vsyscall";
    if (vm_flags) {
        if (procfs::has_vm_flag(*vm_flags, "io") || procfs::has_vm_flag(*vm_flags, "pf")) {
            return "io_mapping";  // device memory: reading it may have side effects
        }
    } else if (m.pathname.rfind("/dev/", 0) == 0 && m.pathname.rfind("/dev/shm/", 0) != 0 &&
               m.pathname.rfind("/dev/zero", 0) != 0) {
        return "device";  // no VmFlags to tell: a device mapping is never read
    }
    if (!m.readable() && !m.executable()) return "no_access";
    return {};
}

/// 0: memory that exists nowhere else (anonymous, memfd, deleted files); 1: writable file
/// mappings; 2: read-only file mappings (also on disk): left out first when over budget.
int priority(const procfs::MapsEntry& m) {
    if (procfs::maps_backing(m.pathname) != procfs::MapsBacking::file) return 0;
    if (procfs::is_memfd_pathname(m.pathname) ||
        m.pathname.find(" (deleted)") != std::string::npos) {
        return 0;
    }
    return m.writable() ? 1 : 2;
}

CoreProcess process_info(int pid_fd, int64_t pid, const procfs::PidStat& stat) {
    CoreProcess p;
    p.pid = static_cast<int32_t>(pid);
    p.ppid = static_cast<int32_t>(stat.ppid);
    p.pgrp = static_cast<int32_t>(stat.pgrp);
    p.sid = static_cast<int32_t>(stat.session);
    p.state = stat.state;
    p.name = stat.comm;
    if (auto text = posix::read_file_at(pid_fd, "status", 1 << 16)) {
        const auto status = procfs::parse_proc_pid_status(*text);
        if (status.uid) p.uid = static_cast<uint32_t>((*status.uid)[0]);
        if (status.gid) p.gid = static_cast<uint32_t>((*status.gid)[0]);
    }
    if (auto bytes = posix::read_file_at(pid_fd, "cmdline", 4096)) {
        for (const auto& arg : procfs::parse_proc_pid_cmdline(*bytes)) {
            if (!p.args.empty()) p.args.push_back(' ');
            p.args += arg;
        }
    }
    return p;
}

}  // namespace

void dump_process(const Context& ctx, RecordSink& sink, MemoryBudgets& budgets, int proc_fd,
                  const DumpCandidate& candidate) {
    DumpPlan plan;
    plan.pid = candidate.pid;
    plan.reasons = candidate.reasons;
    plan.format = "elf_core";
    plan.extension = "core";
    if (candidate.pid == static_cast<int64_t>(::getpid())) {
        emit_dump_refusal(sink, plan, "refused", "irsnap itself is never dumped");
        return;
    }
    auto pid_dir = posix::open_dir_at(proc_fd, std::to_string(candidate.pid), O_NOFOLLOW);
    std::optional<procfs::PidStat> stat;
    if (pid_dir) {
        if (auto text = posix::read_file_at(pid_dir->get(), "stat", 4096)) {
            stat = procfs::parse_proc_pid_stat(*text);
        }
    }
    if (!stat) {
        emit_dump_refusal(sink, plan, "vanished", "no such process");
        return;
    }
    const int pid_fd = pid_dir->get();
    bool escaped = false;
    plan.process = escape_bytes(stat->comm, escaped);
    if (auto exe = posix::read_link_at(pid_fd, "exe")) plan.exe = escape_bytes(*exe, escaped);
    plan.escaped = escaped;
    if (stat->flags & k_pf_kthread) {
        emit_dump_refusal(sink, plan, "refused", "a kernel thread has no user memory");
        return;
    }
    if (stat->state == 'Z' || stat->state == 'X') {
        emit_dump_refusal(sink, plan, "vanished", "a zombie: its memory is already gone");
        return;
    }
    if (budgets.dump_allowance(ctx) < k_page_size * 16) {
        emit_dump_refusal(sink, plan, budgets.dump_limit(ctx),
                          "no room left for a dump (--max-dump-bytes, --max-dump-total-bytes or "
                          "the output's free space above its 256 MiB reserve)");
        return;
    }
    std::string why_not;
    MemoryRead read = open_process_memory(pid_fd, candidate.pid, why_not);
    if (!read) {
        const bool gone = errno == ESRCH || errno == ENOENT;
        emit_dump_refusal(sink, plan, gone ? "vanished" : "denied", why_not);
        return;
    }

    // Stopped from here until the core is written: maps, registers and bytes agree.
    const FreezeTimer timer;
    ProcessStop stop;
    if (ctx.params.dump_freeze) {
        std::string note;
        plan.frozen = stop.stop(pid_fd, candidate.pid, note);
        if (!note.empty()) plan.freeze_note = note;
    } else {
        plan.freeze_note = "not stopped (--dump-no-freeze): memory may change while read";
    }

    auto maps_text = posix::read_file_at(pid_fd, "maps", k_core_dump_maps_cap);
    if (!maps_text || maps_text->empty()) {
        stop.resume();
        emit_dump_refusal(sink, plan, maps_text ? "refused" : "denied",
                          maps_text ? "no user memory" : maps_text.error().message);
        return;
    }
    const auto maps = procfs::parse_proc_pid_maps(*maps_text);
    bool smaps_cut = false;
    auto smaps_text = posix::read_file_at(pid_fd, "smaps", k_max_smaps_bytes, &smaps_cut);
    const auto flags = smaps_text ? procfs::parse_proc_pid_smaps_flags(*smaps_text)
                                  : std::map<uint64_t, std::string>{};
    if (!smaps_text || smaps_cut) {
        plan.notes.push_back("smaps not read whole: device mappings judged by path");
    }
    smaps_text = std::string();  // free it before the dump

    std::vector<CoreThread> threads;
    const auto stopped = stop.stopped_threads();
    if (!stopped.empty()) {
        for (int32_t tid : stopped) {
            CoreThread t = thread_registers(tid);
            if (!t.general.empty() && t.general.size() != sizeof(elf_gregset_t)) {
                // A 32-bit process: the kernel gives its 32-bit register layout, which a
                // 64-bit core cannot hold. The memory is still all there.
                t.general.clear();
                t.floating.clear();
                if (threads.empty()) plan.notes.push_back("32-bit process: registers not kept");
            }
            threads.push_back(std::move(t));
        }
    } else if (auto task = posix::open_dir_at(pid_fd, "task")) {
        for (int32_t tid : posix::numeric_entries(task->get()))
            threads.push_back({tid, {}, {}, {}});
        plan.notes.push_back("registers not read: the process was not stopped");
    }
    plan.threads = static_cast<int64_t>(threads.size());
    auto auxv = posix::read_file_at(pid_fd, "auxv", 1 << 16);

    // Which mappings go in: all readable ones, unless unsafe, then within the budget.
    std::vector<CoreMapping> mappings;
    std::vector<uint64_t> sizes;
    std::vector<int> priorities;
    std::vector<std::string> skipped;
    for (const auto& m : maps) {
        CoreMapping c{m.start, m.end, m.perms, m.offset, {}, false};
        if (procfs::maps_backing(m.pathname) == procfs::MapsBacking::file) c.path = m.pathname;
        auto f = flags.find(m.start);
        const std::string why = skip_reason(m, f == flags.end() ? nullptr : &f->second);
        skipped.push_back(why);
        sizes.push_back(why.empty() ? m.size() : 0);
        priorities.push_back(priority(m));
        mappings.push_back(std::move(c));
    }
    const CoreProcess process = process_info(pid_fd, candidate.pid, *stat);
    const uint64_t head = elf_core_header_bytes(own_machine(), process, threads,
                                                auxv ? *auxv : std::string(), mappings);
    const uint64_t allowance = budgets.dump_allowance(ctx);
    const std::string limit = budgets.dump_limit(ctx);
    const auto fits = segments_within(sizes, priorities, allowance > head ? allowance - head : 0);
    for (size_t i = 0; i < mappings.size(); ++i) {
        if (skipped[i].empty() && !fits[i]) skipped[i] = limit;
        mappings[i].dumped = skipped[i].empty();
    }
    CoreFile core =
        build_elf_core(own_machine(), process, threads, auxv ? *auxv : std::string(), mappings);
    for (size_t i = 0; i < maps.size(); ++i) {
        bool esc = false;
        plan.segments.push_back({maps[i].start, maps[i].end, maps[i].perms,
                                 escape_bytes(maps[i].pathname, esc), skipped[i],
                                 core.piece_of[i]});
        plan.escaped = plan.escaped || esc;
    }
    plan.pieces = std::move(core.pieces);

    // A spool when the disk has room for it and the ZIP together (the spool is freed after).
    std::unique_ptr<DumpSpool> spool;
    uint64_t planned = 0;
    for (const auto& p : plan.pieces) planned += p.length();
    const auto free = ctx.output_free_bytes ? ctx.output_free_bytes() : std::nullopt;
    if (free && *free > k_free_space_reserve_bytes &&
        *free - k_free_space_reserve_bytes >= 2 * planned) {
        std::string why;
        spool = open_dump_spool(ctx, why);
        if (!spool && plan.frozen) plan.notes.push_back("stopped for the whole write: " + why);
    } else if (plan.frozen && !ctx.stream_output) {
        plan.notes.push_back("stopped for the whole write: no room for a scratch copy");
    }
    FreezeWindow window;
    bool thawed = false;
    const auto thaw = [&] {
        if (thawed) return;
        thawed = true;
        stop.resume();
        if (plan.frozen) window = timer.stop();
    };
    DumpWrite written = write_dump(ctx, sink, budgets, plan, read, spool.get(), thaw);
    thaw();
    spool.reset();
    plan.pieces.clear();
    emit_dump(sink, plan, written, window);
}

}  // namespace irsnap::collectors
