// SPDX-License-Identifier: Apache-2.0
// Hidden processes: the /proc listing against a system-call probe of every pid, and mounts that
// cover /proc/PID. The judging is pure (platform/linux/hidden_pids.hpp); this file only reads
// directories and makes the probe calls. It never forks, never sends a signal (kill with
// signal 0 only checks), never ptraces and never mounts anything.
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/escaped_text.hpp"
#include "hidden_processes.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hidden_pids.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// Pids cannot exceed PID_MAX_LIMIT (4194304 on 64-bit kernels): the range when pid_max is
/// unreadable.
constexpr int64_t k_pid_max_limit = 4194304;
/// How many pids the first pass probes between two looks at the stop flag (about 10 ms).
constexpr int64_t k_stop_check_every = 65536;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// The proc root is the procfs of our own pid namespace: only then do pids in its listing mean
/// the same processes that getpgid() and kill() answer for.
bool is_own_procfs(int proc_fd) {
    struct statfs sf {};
    if (::fstatfs(proc_fd, &sf) != 0 || sf.f_type != PROC_SUPER_MAGIC) return false;
    auto self = posix::read_link_at(proc_fd, "self");
    return self.ok() && *self == std::to_string(::getpid());
}

/// A fresh open of the directory, so every read starts at its beginning (a dup'ed descriptor
/// would share the offset of the previous read).
DIR* open_dir_fresh(int dirfd, const char* name) {
    // O_DIRECTORY refuses a FIFO or device without opening it; O_NOFOLLOW keeps the walk in the
    // proc root (a pid or task entry is never a link there).
    int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) return nullptr;
    DIR* dir = ::fdopendir(fd);
    if (!dir) ::close(fd);
    return dir;
}

struct ListingStats {
    size_t task_denied = 0;
};

/// Numeric entries of the proc root and, for each, its task/ entries. `unlist` is the test hook
/// (--debug-unlist-pid): those entries are skipped as a getdents hook would skip them.
hidden::PidListing read_listing(int proc_fd, const std::set<int64_t>& unlist, ListingStats* stats) {
    hidden::PidListing listing;
    DIR* dir = open_dir_fresh(proc_fd, ".");
    if (!dir)
        throw std::runtime_error(std::string("cannot list the proc root: ") + std::strerror(errno));
    while (dirent* entry = ::readdir(dir)) {
        auto pid = hidden::parse_pid_name(entry->d_name);
        if (pid && !unlist.count(*pid)) listing.tgids.insert(*pid);
    }
    ::closedir(dir);
    for (int64_t tgid : listing.tgids) {
        const std::string task = std::to_string(tgid) + "/task";
        DIR* tasks = open_dir_fresh(proc_fd, task.c_str());
        if (!tasks) {
            // Gone (a race) or not a process directory at all: its threads then surface as
            // candidates and the status check names their group. Denied is coverage.
            if (stats && posix::is_denied_errno(errno)) ++stats->task_denied;
            continue;
        }
        while (dirent* entry = ::readdir(tasks)) {
            if (auto tid = hidden::parse_pid_name(entry->d_name)) listing.thread_tgid[*tid] = tgid;
        }
        ::closedir(tasks);
    }
    return listing;
}

/// The first pass: every pid in [1, last], getpgid() only (the cheapest call that answers for
/// any pid: one lookup in the pid table, no path walk, no signal permission check). Returns the
/// pids that answered, ascending; `stopped_at` is set when the stop flag cut the pass short.
std::vector<int64_t> first_pass(const Context& ctx, int64_t last, int64_t& stopped_at) {
    std::vector<int64_t> answering;
    for (int64_t pid = 1; pid <= last; ++pid) {
        if (pid % k_stop_check_every == 0 && ctx.should_stop()) {
            stopped_at = pid;
            break;
        }
        // ESRCH is the only "no such process"; EPERM (an LSM refusing) means it exists.
        if (::getpgid(static_cast<pid_t>(pid)) >= 0 || errno != ESRCH) answering.push_back(pid);
    }
    return answering;
}

/// Reads PROC/pid/status into the evidence (tgid, name) when readable.
void read_status(int proc_fd, int64_t pid, hidden::PidEvidence& e) {
    auto text = posix::read_file_at(proc_fd, std::to_string(pid) + "/status", 1 << 16);
    if (!text) return;
    e.answered |= hidden::k_probe_proc_status;
    const auto status = procfs::parse_proc_pid_status(*text);
    e.tgid = status.tgid;
    e.name = status.name;
}

/// Every confirmation probe for one pid. `syscalls` false over a tree that is not our own
/// procfs: the kernel's answer would be about a different process.
hidden::PidEvidence confirm(int proc_fd, int64_t pid, bool syscalls) {
    hidden::PidEvidence e;
    e.pid = pid;
    if (syscalls && pid > 0) {  // pid > 0: kill(0 or -N, 0) would address groups, never that
        const auto p = static_cast<pid_t>(pid);
        if (::getpgid(p) >= 0 || errno == EPERM) e.answered |= hidden::k_probe_getpgid;
        if (::kill(p, 0) == 0) {
            e.answered |= hidden::k_probe_kill;
            e.signal_permitted = true;
        } else if (errno == EPERM) {
            e.answered |= hidden::k_probe_kill;
        }
        if (::getsid(p) >= 0 || errno == EPERM) e.answered |= hidden::k_probe_getsid;
    }
    struct stat st {};
    if (::fstatat(proc_fd, std::to_string(pid).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode)) {
        e.answered |= hidden::k_probe_proc_dir;
    }
    read_status(proc_fd, pid, e);
    return e;
}

json probe_list(uint32_t mask) {
    return hidden::probe_names(mask);
}

json finding_record(const hidden::Finding& f, bool syscalls) {
    json r = json::object();
    r["kind"] = f.kind;
    r["pid"] = f.pid ? json(*f.pid) : json(nullptr);
    r["tgid"] = f.tgid ? json(*f.tgid) : json(nullptr);
    if (f.name) {
        put_text(r, "name", *f.name);
    } else {
        r["name"] = nullptr;
    }
    r["name_trusted"] = f.name ? json(f.name_trusted) : json(nullptr);
    const uint32_t tried =
        syscalls ? f.tried : (f.tried & (hidden::k_probe_proc_dir | hidden::k_probe_proc_status));
    r["answered"] = probe_list(f.answered & tried);
    r["not_answered"] = probe_list(tried & ~f.answered);
    if (f.mount) {
        r["mount_id"] = f.mount->mount_id;
        put_text(r, "mount_point", f.mount->mount_point);
        put_text(r, "mount_root", f.mount->root);
        put_text(r, "mount_fstype", f.mount->fs_type);
        put_text(r, "mount_source", f.mount->source);
    }
    put_text(r, "why", f.why);
    r["seen_in"] = f.seen_in;
    r["missing_from"] = f.missing_from;
    if (f.kernel) {
        put_text(r, "kernel_comm", f.kernel->comm);
        r["kernel_ppid"] = f.kernel->ppid;
        r["kernel_uid"] = f.kernel->uid;
        r["kernel_thread"] = f.kernel->kernel_thread();
    }
    return r;
}

class HiddenProcessesCollector {
  public:
    HiddenProcessesCollector(const Context& ctx, RecordSink& sink) : m_ctx(ctx), m_sink(sink) {
        m_unlist.insert(ctx.params.debug_unlist_pids.begin(), ctx.params.debug_unlist_pids.end());
    }

    void run() {
        const auto t0 = Clock::now();
        auto opened = posix::open_dir_at(AT_FDCWD, m_ctx.proc_root.string());
        if (!opened) {
            throw std::runtime_error("cannot open the proc root " + m_ctx.proc_root.string() +
                                     ": " + opened.error().message);
        }
        m_proc_fd = std::move(*opened);
        const bool live = is_own_procfs(m_proc_fd.get());
        // mountinfo names paths as this process sees them; over a tree captured elsewhere it
        // speaks of that host's /proc.
        std::string proc_point = "/proc";
        if (live && !m_ctx.proc_is_private) {
            std::error_code ec;
            auto canonical = std::filesystem::canonical(m_ctx.proc_root, ec);
            proc_point = ec ? m_ctx.proc_root.lexically_normal().string() : canonical.string();
        }
        read_mounts(proc_point);

        ListingStats stats;
        const hidden::PidListing first = read_listing(m_proc_fd.get(), m_unlist, &stats);
        json scan = json::object();
        scan["kind"] = "scan";
        scan["probe_ran"] = live;
        scan["first_probe"] = "getpgid";
        scan["listed_processes"] = first.tgids.size();
        scan["listed_threads"] = first.threads();
        scan["hidepid"] = m_hidepid ? json(*m_hidepid) : json(nullptr);
        scan["debug_unlisted_pids"] =
            m_unlist.empty() ? json(nullptr) : json(m_ctx.params.debug_unlist_pids);
        if (stats.task_denied) {
            m_sink.coverage(fmt::format(
                "task/ of {} process(es) not readable: their threads were judged by the Tgid of "
                "their status instead",
                stats.task_denied));
        }

        std::vector<hidden::Finding> findings;
        hidden::Tally tally;
        m_sink.view("proc");
        if (live) {
            // The kernel's list is read right after the listing it is compared with.
            m_sink.view("probe");
            std::optional<std::vector<kernel_view::KernelTask>> kernel = read_kernel_tasks(scan);
            probe(first, scan, findings, tally);
            if (kernel) add_kernel_findings(*kernel, first, findings, tally);
        } else {
            scan["views"] = json::array({"proc"});
            scan["kernel_processes"] = nullptr;
            scan["kernel_view"] = "not read: the proc root is not the live procfs";
            scan["kernel_pid_max"] = nullptr;
            scan["range_first"] = nullptr;
            scan["range_last"] = nullptr;
            scan["pids_answering"] = nullptr;
            scan["candidates"] = nullptr;
            scan["probe_seconds"] = nullptr;
            m_sink.coverage("the proc root " + m_ctx.proc_root.string() +
                            " is not the procfs of irsnap's own pid namespace: pids were not "
                            "probed, only its mountinfo was checked");
        }
        add_mount_findings(findings, live);
        std::stable_sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
            return a.pid.value_or(-1) < b.pid.value_or(-1);
        });

        scan["races"] = tally.races;
        scan["threads_of_listed"] = tally.threads_of_listed;
        scan["hidepid_explained"] = tally.hidepid_explained;
        scan["findings"] = findings.size();
        scan["duration_seconds"] = seconds_since(t0);
        if (tally.hidepid_explained) {
            m_sink.coverage(fmt::format(
                "/proc is mounted with hidepid={}: {} pid(s) answer the probe but are invisible "
                "to this user and were not judged; run as root for full coverage",
                m_hidepid.value_or("?"), tally.hidepid_explained));
        }
        for (size_t i = 0; i < tally.races; ++i) m_sink.race();
        log_summary(scan, findings.size());
        null_missing_fields(scan, hidden_processes_spec(), "linux");  // the findings' fields
        m_sink.emit(scan);
        for (const auto& f : findings) {
            // A process the listing hides is the first the memory collector dumps
            // (--dump-suspicious); a silent listed pid has nothing to dump, and one the kernel's
            // list lacks is not hidden from anyone.
            if (f.pid && f.kind != hidden::k_kind_silent && f.kind != hidden::k_kind_not_in_kernel)
                m_ctx.flag_process(*f.pid, "hidden_process");
            json record = finding_record(f, live);
            null_missing_fields(record, hidden_processes_spec(), "linux");
            m_sink.emit(record);
        }
    }

  private:
    /// The kernel's task list through iter/task, or nullopt (with the reason in scan and
    /// coverage) when --no-bpf, BTF, privileges or the kernel keep it from being read.
    std::optional<std::vector<kernel_view::KernelTask>> read_kernel_tasks(json& scan) {
        scan["views"] = json::array({"proc", "probe"});
        scan["kernel_processes"] = nullptr;
        std::string why;
        if (!m_ctx.params.bpf) {
            why = "--no-bpf";
        } else {
            why = kernel_view::kernel_views_unavailable();
        }
        if (why.empty()) {
            auto tasks = kernel_view::read_kernel_tasks();
            if (tasks) {
                size_t processes = 0;
                for (const auto& t : *tasks) processes += t.leader();
                scan["kernel_processes"] = processes;
                scan["kernel_view"] = "read";
                scan["views"].push_back("iter/task");
                m_sink.view("iter/task");
                return std::move(*tasks);
            }
            why = tasks.error().message.empty() ? tasks.error().text() : tasks.error().message;
        }
        scan["kernel_view"] = "not read: " + why;
        m_sink.coverage("kernel task list (iter/task) not read (" + why +
                        "): only the /proc listing and the system-call probe were compared");
        return std::nullopt;
    }

    /// Compares the kernel's list with the first listing; on any difference reads both again
    /// (a process born or gone in between is a race) and judges.
    void add_kernel_findings(const std::vector<kernel_view::KernelTask>& kernel,
                             const hidden::PidListing& first,
                             std::vector<hidden::Finding>& findings, hidden::Tally& tally) {
        std::vector<hidden::Finding> from_kernel;
        hidden::Tally scratch;  // this first judging only asks whether to look again
        const auto candidates = hidden::judge_kernel_view(kernel, first, kernel, first, scratch);
        std::vector<kernel_view::KernelTask> again = kernel;
        if (!candidates.empty()) {
            auto second = kernel_view::read_kernel_tasks();
            if (!second) {
                m_sink.item_error(second.error());
                return;
            }
            again = std::move(*second);
            const hidden::PidListing relisted = read_listing(m_proc_fd.get(), m_unlist, nullptr);
            from_kernel = hidden::judge_kernel_view(kernel, first, again, relisted, tally);
        }
        for (auto& f : from_kernel) {
            // What the system calls and /proc say of it, as for the probe's own findings.
            const auto e = confirm(m_proc_fd.get(), *f.pid, true);
            f.answered = e.answered;
            f.tried = hidden::k_probe_all;
            if (!f.name) f.name = e.name;
            if (!f.tgid) f.tgid = e.tgid;
        }
        hidden::merge_kernel_findings(findings, std::move(from_kernel), again);
    }

    void read_mounts(const std::string& proc_point) {
        m_proc_point = proc_point;
        auto text = posix::read_file_at(m_proc_fd.get(), "self/mountinfo");
        if (!text) {
            m_sink.coverage("mountinfo not readable (" + m_ctx.proc_root.string() +
                            "/self/mountinfo: " + text.error().message +
                            "): mounts over /proc were not checked");
            return;
        }
        size_t malformed = 0;
        m_mounts = procfs::parse_proc_pid_mountinfo(*text, &malformed);
        m_have_mounts = true;
        if (malformed) {
            m_sink.item_error(
                ItemError::without_code("parse", m_ctx.proc_root.string() + "/self/mountinfo",
                                        fmt::format("{} malformed line(s) skipped", malformed)));
        }
        m_hidepid = hidden::proc_hidepid(m_mounts, proc_point);
    }

    void probe(const hidden::PidListing& first, json& scan, std::vector<hidden::Finding>& findings,
               hidden::Tally& tally) {
        int64_t kernel_pid_max = 0;
        if (auto text = posix::read_file_at(m_proc_fd.get(), "sys/kernel/pid_max", 64)) {
            kernel_pid_max = std::strtoll(text->c_str(), nullptr, 10);
        }
        scan["kernel_pid_max"] = kernel_pid_max > 0 ? json(kernel_pid_max) : json(nullptr);
        int64_t highest_listed = 0;
        if (!first.tgids.empty()) highest_listed = *first.tgids.rbegin();
        if (!first.thread_tgid.empty())
            highest_listed = std::max(highest_listed, first.thread_tgid.rbegin()->first);
        // By default also up to the highest listed pid: pid_max can be lowered while processes
        // with higher pids live on.
        int64_t last = kernel_pid_max > 0 ? kernel_pid_max - 1 : k_pid_max_limit - 1;
        last = std::max(last, highest_listed);
        const int64_t natural_last = last;
        if (m_ctx.params.pid_max > 0) last = static_cast<int64_t>(m_ctx.params.pid_max) - 1;
        if (kernel_pid_max <= 0) {
            m_sink.coverage("kernel pid_max not readable: probed up to the kernel's limit");
        }

        const auto t0 = Clock::now();
        int64_t stopped_at = 0;
        const std::vector<int64_t> answering = first_pass(m_ctx, last, stopped_at);
        const double probe_seconds = seconds_since(t0);
        if (stopped_at) {
            last = stopped_at - 1;
            m_sink.coverage(fmt::format("probe stopped at pid {}: pids {} to {} not probed",
                                        stopped_at, stopped_at, natural_last));
        } else if (last < natural_last) {
            m_sink.coverage(fmt::format("probe range cut by --pid-max {}: pids {} to {} not probed",
                                        last + 1, last + 1, natural_last));
        }
        scan["range_first"] = 1;
        scan["range_last"] = last;
        scan["pids_answering"] = answering.size();
        scan["probe_seconds"] = probe_seconds;

        const auto unlisted = hidden::unlisted_pids(answering, first);
        const auto silent = hidden::silent_listed_pids(answering, first, last + 1);
        scan["candidates"] = unlisted.size() + silent.size();
        if (unlisted.empty() && silent.empty()) return;

        // The re-read: a process born during the probe is listed now (a race, not a finding).
        const hidden::PidListing again = read_listing(m_proc_fd.get(), m_unlist, nullptr);
        std::vector<hidden::PidEvidence> unlisted_evidence, silent_evidence;
        for (int64_t pid : unlisted)
            unlisted_evidence.push_back(confirm(m_proc_fd.get(), pid, true));
        for (int64_t pid : silent) silent_evidence.push_back(confirm(m_proc_fd.get(), pid, true));
        const bool hidepid = m_hidepid && !m_hidepid->empty();
        auto hidden_pids = hidden::judge_unlisted(unlisted_evidence, again, hidepid, tally);
        auto silent_pids = hidden::judge_silent(silent_evidence, again, tally);
        if (!hidden_pids.empty()) {
            // Once more, only when there is something to report: a pid reused between the
            // re-read and the confirmation would show up here.
            const hidden::PidListing last_look = read_listing(m_proc_fd.get(), m_unlist, nullptr);
            std::erase_if(hidden_pids, [&](const hidden::Finding& f) {
                const bool listed = last_look.contains(*f.pid);
                if (listed) ++tally.races;
                return listed;
            });
        }
        for (auto& f : hidden_pids) findings.push_back(std::move(f));
        for (auto& f : silent_pids) findings.push_back(std::move(f));
    }

    void add_mount_findings(std::vector<hidden::Finding>& findings, bool live) {
        if (!m_have_mounts) return;
        for (auto& f : hidden::find_covering_mounts(m_mounts, m_proc_point)) {
            if (f.pid) {
                // Read through the mount: whoever placed it chose what status says.
                const auto e = confirm(m_proc_fd.get(), *f.pid, live);
                f.answered = e.answered;
                f.tried = hidden::k_probe_all;
                f.tgid = e.tgid;
                f.name = e.name;
                // Through a private procfs the mount is not in the way: the kernel's words.
                f.name_trusted = m_ctx.proc_is_private;
            }
            findings.push_back(std::move(f));
        }
    }

    void log_summary(const json& scan, size_t findings) {
        if (!m_ctx.logger) return;
        if (!m_unlist.empty()) {
            m_ctx.logger->warn(
                "hidden_processes: test hook --debug-unlist-pid removed {} pid(s) from the "
                "listing",
                m_unlist.size());
        }
        if (!scan["probe_ran"].get<bool>()) {
            m_ctx.logger->info(
                "hidden_processes: probe not run ({} is not our procfs); {} "
                "finding(s) from mountinfo",
                m_ctx.proc_root.string(), findings);
            return;
        }
        m_ctx.logger->info(
            "hidden_processes: probed pids {}-{} (kernel pid_max {}) with getpgid in {:.3f} s: "
            "{} answering, {} listed processes, {} listed threads, {} candidate(s), {} race(s), "
            "{} new thread(s), {} hidden by hidepid, {} finding(s); {:.3f} s in all",
            scan["range_first"].dump(), scan["range_last"].dump(), scan["kernel_pid_max"].dump(),
            scan["probe_seconds"].get<double>(), scan["pids_answering"].dump(),
            scan["listed_processes"].dump(), scan["listed_threads"].dump(),
            scan["candidates"].dump(), scan["races"].dump(), scan["threads_of_listed"].dump(),
            scan["hidepid_explained"].dump(), findings, scan["duration_seconds"].get<double>());
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    posix::UniqueFd m_proc_fd;
    std::set<int64_t> m_unlist;
    std::vector<procfs::MountInfo> m_mounts;
    bool m_have_mounts = false;
    std::string m_proc_point;
    std::optional<std::string> m_hidepid;
};

}  // namespace

void collect_hidden_processes(const Context& ctx, RecordSink& sink) {
    HiddenProcessesCollector(ctx, sink).run();
}

}  // namespace irsnap::collectors
