// SPDX-License-Identifier: Apache-2.0
// Linux memory collector: one pass over /proc finds every process's anonymous executable
// regions (captured for all) and the checks --dump-suspicious reads; then the chosen processes
// are dumped, most suspicious first (core_dump_linux.cpp).
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/proc_maps.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/text.hpp"
#include "memory_linux.hpp"
#include "samples/samples.hpp"

namespace irsnap::collectors {
namespace {

constexpr size_t k_memory_maps_cap = 64u << 20;

bool has_preload(int pid_fd) {
    auto bytes = posix::read_file_at(pid_fd, "environ");
    if (!bytes) return false;
    for (const auto& [key, value] : procfs::parse_proc_pid_environ(*bytes)) {
        if ((key == "LD_PRELOAD" || key == "LD_AUDIT") && !value.empty()) return true;
    }
    return false;
}

/// The libraries /etc/ld.so.preload names (under the host root): a process mapping one of them
/// was injected into.
std::set<std::string> preload_list(const Context& ctx) {
    std::set<std::string> names;
    auto text = posix::read_file_at(AT_FDCWD, ctx.host_path("etc/ld.so.preload").string(), 1 << 16);
    if (!text) return names;
    size_t start = 0;
    while (start < text->size()) {
        const size_t end = text->find_first_of(" \t\n:", start);
        std::string name = text->substr(start, end - start);
        if (!name.empty() && name.front() != '#') names.insert(std::move(name));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return names;
}

class MemoryScan {
  public:
    MemoryScan(const Context& ctx, RecordSink& sink) : m_ctx(ctx), m_sink(sink) {}

    void run() {
        auto proc = posix::open_dir_at(AT_FDCWD, m_ctx.proc_root.string());
        if (!proc) {
            m_sink.coverage("cannot list " + m_ctx.proc_root.string() +
                            ": no process memory was read");
            return;
        }
        m_preloads = preload_list(m_ctx);
        const auto self = static_cast<int32_t>(::getpid());
        for (int32_t pid : posix::numeric_entries(proc->get())) {
            if (m_ctx.should_stop()) break;
            if (pid == self) continue;  // our own memory is the bundle in the making
            scan(proc->get(), pid);
        }
        if (m_maps_denied) {
            m_sink.coverage(
                fmt::format("{} process(es) whose memory maps could not be read "
                            "(denied): their regions are not captured",
                            m_maps_denied));
        }
        MemoryBudgets budgets(m_ctx);
        // A thread id (named by --dump-pid, or flagged: hidden_processes reports a hidden
        // process's threads too) stands for its process: dumped once.
        CollectParams params = m_ctx.params;
        for (int64_t& pid : params.dump_pids) pid = tgid_of(proc->get(), pid);
        std::map<int64_t, std::set<std::string>> flagged;
        for (const auto& [pid, whys] : m_ctx.flagged_processes()) {
            flagged[tgid_of(proc->get(), pid)].insert(whys.begin(), whys.end());
        }
        auto chosen = choose_dumps(params, flagged, m_checked);
        emit_memory_scan(
            m_sink, {m_processes_read, static_cast<int64_t>(m_maps_denied),
                     static_cast<int64_t>(m_regions.size()), static_cast<int64_t>(chosen.size())});
        if (m_ctx.params.memory_regions) {
            const int proc_fd = proc->get();
            capture_regions(m_ctx, m_sink, budgets, std::move(m_regions),
                            [&](int64_t pid, std::string& why) -> MemoryRead {
                                auto dir =
                                    posix::open_dir_at(proc_fd, std::to_string(pid), O_NOFOLLOW);
                                if (!dir) {
                                    why = "the process ended";
                                    return {};
                                }
                                return open_process_memory(dir->get(), pid, why);
                            });
        }
        for (const auto& candidate : chosen) {
            if (m_ctx.should_stop()) {
                m_sink.coverage("the run was stopped before every chosen process was dumped");
                break;
            }
            dump_process(m_ctx, m_sink, budgets, proc->get(), candidate);
        }
    }

  private:
    static int64_t tgid_of(int proc_fd, int64_t pid) {
        auto dir = posix::open_dir_at(proc_fd, std::to_string(pid), O_NOFOLLOW);
        if (!dir) return pid;
        auto text = posix::read_file_at(dir->get(), "status", 1 << 16);
        if (!text) return pid;
        const auto status = procfs::parse_proc_pid_status(*text);
        return status.tgid && *status.tgid > 0 ? *status.tgid : pid;
    }

    void scan(int proc_fd, int32_t pid) {
        auto dir = posix::open_dir_at(proc_fd, std::to_string(pid), O_NOFOLLOW);
        if (!dir) return;  // exited
        const int pid_fd = dir->get();
        auto maps_text = posix::read_file_at(pid_fd, "maps", k_memory_maps_cap);
        if (!maps_text) {
            if (posix::is_denied_errno(maps_text.error().code)) ++m_maps_denied;
            return;
        }
        if (maps_text->empty()) return;  // a kernel thread
        ++m_processes_read;
        bool escaped = false;
        std::string name;
        if (auto comm = posix::read_file_at(pid_fd, "comm", 256)) {
            name = *comm;
            while (!name.empty() && name.back() == '\n') name.pop_back();
        }
        const std::string process = escape_bytes(name, escaped);
        std::string exe_raw;
        if (auto exe = posix::read_link_at(pid_fd, "exe")) exe_raw = *exe;
        const std::string exe = escape_bytes(exe_raw, escaped);

        DumpCandidate check;
        check.pid = pid;
        for (const auto& m : procfs::parse_proc_pid_maps(*maps_text)) {
            if (m.readable()) check.estimated_bytes += m.size();
            const auto backing = procfs::maps_backing(m.pathname);
            const bool memfd = procfs::is_memfd_pathname(m.pathname);
            if (m_preloads.count(std::string(procfs::strip_deleted_suffix(m.pathname, nullptr)))) {
                check.reasons.insert(DumpReason::preload);
            }
            if (!m.executable() || backing == procfs::MapsBacking::kernel) continue;
            if (backing != procfs::MapsBacking::anonymous && !memfd) continue;
            check.reasons.insert(DumpReason::anonymous_executable);
            RegionPlan r;
            r.pid = pid;
            r.process = process;
            r.exe = exe;
            r.start = m.start;
            r.end = m.end;
            r.permissions = m.perms;
            r.backing = memfd ? "memfd" : "anonymous";
            bool path_escaped = false;
            r.path = escape_bytes(m.pathname, path_escaped);
            r.escaped = escaped || path_escaped;
            m_regions.push_back(std::move(r));
        }
        if (!m_ctx.params.dump_suspicious) return;
        bool deleted = false;
        const auto path = procfs::strip_deleted_suffix(exe_raw, &deleted);
        if (procfs::is_memfd_pathname(exe_raw)) {
            check.reasons.insert(DumpReason::memfd_executable);
        } else if (deleted) {
            check.reasons.insert(DumpReason::deleted_executable);
        }
        if (linux_path_reasons(path).count(SpecimenReason::temporary_place)) {
            check.reasons.insert(DumpReason::temporary_place);
        }
        if (has_preload(pid_fd)) check.reasons.insert(DumpReason::preload);
        if (!check.reasons.empty()) m_checked.push_back(std::move(check));
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    std::set<std::string> m_preloads;
    std::vector<RegionPlan> m_regions;
    std::vector<DumpCandidate> m_checked;
    size_t m_maps_denied = 0;
    int64_t m_processes_read = 0;
};

}  // namespace

MemoryRead open_process_memory(int pid_fd, int64_t pid, std::string& why_not) {
    const int fd = ::openat(pid_fd, "mem", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        why_not = fmt::format("cannot open /proc/{}/mem: {}", pid, std::strerror(errno));
        return {};
    }
    auto mem = std::make_shared<UniqueFd>(fd);
    return [pid, mem](uint64_t address, char* buffer, size_t size) -> long {
        // process_vm_readv copies straight from the target's pages; it stops at the first page
        // the target itself may not read (PROT_NONE, execute-only), which /proc/PID/mem reads
        // as a debugger does.
        struct iovec local {
            buffer, size
        };
        // The target's address, not ours: the kernel reads it in the other process.
        void* const there = reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
            static_cast<uintptr_t>(address));
        struct iovec remote {
            there, size
        };
        const ssize_t n = ::process_vm_readv(static_cast<pid_t>(pid), &local, 1, &remote, 1, 0);
        if (n == static_cast<ssize_t>(size)) return static_cast<long>(n);
        if (n < 0 && errno == ESRCH) return -ESRCH;
        const size_t got = n > 0 ? static_cast<size_t>(n) : 0;
        while (true) {
            const ssize_t m =
                ::pread(mem->get(), buffer + got, size - got, static_cast<off_t>(address + got));
            if (m < 0 && errno == EINTR) continue;
            // 0 bytes: the target's memory is gone (it exited).
            if (m == 0) return got ? static_cast<long>(got) : -ESRCH;
            if (m < 0) return errno == ESRCH ? -ESRCH : static_cast<long>(got);
            return static_cast<long>(got + static_cast<size_t>(m));
        }
    };
}

void collect_memory(const Context& ctx, RecordSink& sink) {
    MemoryScan(ctx, sink).run();
}

}  // namespace irsnap::collectors
