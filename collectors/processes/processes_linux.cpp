// SPDX-License-Identifier: Apache-2.0
// Linux process table from /proc. Each process is read through one directory fd opened once, so
// a recycled pid cannot splice two processes into one record.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/ordered_parallel.hpp"
#include "common/package_fields.hpp"
#include "common/preload_scan.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/linux/users.hpp"
#include "irsnap/text.hpp"
#include "processes.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

// Records wait for their executable's digest in a bounded window: hashing overlaps the walk,
// and memory stays flat however many processes there are.
constexpr size_t k_pending_window = 64;
// Processes read ahead of the writer: enough to keep the workers busy, few enough that a
// window of whole processes' records stays small next to the records waiting for digests.
constexpr size_t k_workers_ahead = 8;
// Libraries read from one LD_PRELOAD: the loader takes any number, a real list has one or two.
constexpr size_t k_max_preload_names = 16;

struct Pending {
    json record;
    std::optional<std::shared_future<FileHash>> hash;
    /// The executable's path to look up in the package database, or why it cannot be.
    std::string package_path;
    std::string package_skip = "no executable";
};

/// How many processes had each item denied, turned into coverage notes at the end.
struct Denials {
    std::map<std::string, uint64_t> by_item;
};

/// Reads one process. Returns false when it vanished (a race).
class ProcessReader {
  public:
    ProcessReader(const Context& ctx, RecordSink& sink, const users::UserDb& users, int64_t btime,
                  long ticks_per_second, Denials& denials, PreloadScanCache& libraries)
        : m_ctx(ctx),
          m_sink(sink),
          m_users(users),
          m_btime(btime),
          m_ticks(ticks_per_second),
          m_denials(denials),
          m_libraries(libraries),
          m_root_check(ctx) {}

    /// Fills `out`; false when the process disappeared (counted as a race by the caller).
    bool read(int proc_fd, const std::string& pid_text, Pending& out) {
        m_path = "/proc/" + pid_text;
        m_escaped.clear();
        m_denied.clear();
        struct CountDenials {
            ProcessReader& self;
            ~CountDenials() {
                for (const auto& item : self.m_denied) ++self.m_denials.by_item[item];
            }
        } count_denials{*this};
        auto dir = posix::open_dir_at(proc_fd, pid_text);
        if (!dir) return !posix::is_race_errno(dir.error().code) && fail(dir.error(), "");
        int fd = dir->get();

        auto stat_text = posix::read_file_at(fd, "stat");
        if (!stat_text) {
            return !posix::is_race_errno(stat_text.error().code) && fail(stat_text.error(), "stat");
        }
        auto stat = procfs::parse_proc_pid_stat(*stat_text);
        if (!stat) {
            m_sink.item_error(
                ItemError::without_code("parse", m_path + "/stat", "malformed stat line"));
            return true;  // reported; nothing to emit
        }
        json& r = out.record;
        r = json::object();
        const bool kthread = (stat->flags & procfs::k_pf_kthread) != 0;
        r["pid"] = stat->pid;
        r["ppid"] = stat->ppid;
        r["name"] = text("name", stat->comm);
        r["state"] = std::string(1, stat->state);
        r["kernel_thread"] = kthread;
        r["pgid"] = stat->pgrp;
        r["sid"] = stat->session;
        r["tty"] = procfs::tty_name(stat->tty_nr);
        r["nice"] = stat->nice;
        r["threads"] = stat->num_threads;
        r["vsize_bytes"] = stat->vsize_bytes;
        r["rss_bytes"] = stat->rss_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
        r["start_ticks"] = stat->starttime_ticks;
        r["start_time"] = m_btime > 0 ? json(start_time(stat->starttime_ticks)) : json(nullptr);

        read_status(fd, r);
        read_cmdline(fd, r);
        if (kthread) {
            // Kernel threads have no executable, maps or environment: nothing to deny.
            for (auto key :
                 {"exe_path", "exe_sha256", "cwd", "root", "cgroup", "ld_preload",
                  "ld_preload_hooks", "ld_preload_techniques", "ld_preload_hooks_note",
                  "ld_library_path", "ld_audit", "exe_device", "exe_inode", "exe_size"}) {
                r[key] = nullptr;
            }
            r["exe_deleted"] = false;
            r["exe_memfd"] = false;
            r["exe_hash_note"] = "kernel thread";
        } else {
            read_exe(fd, out);
            r["cwd"] = link_text(fd, "cwd");
            r["root"] = link_text(fd, "root");
            read_environ(fd, r);
        }
        read_cgroup(fd, r);
        read_namespaces(fd, r);
        if (!m_escaped.empty()) r["escaped_fields"] = m_escaped;
        return true;
    }

  private:
    /// Records a failure that leaves nothing to emit for this process.
    bool fail(const ItemError& e, const std::string& item) {
        note_error(e, item);
        return true;
    }

    void mark_escaped(const char* field) {
        if (std::find(m_escaped.begin(), m_escaped.end(), field) == m_escaped.end()) {
            m_escaped.emplace_back(field);
        }
    }

    json text(const char* field, std::string_view bytes) {
        bool escaped = false;
        std::string out = escape_bytes(bytes, escaped);
        if (escaped) mark_escaped(field);
        return out;
    }

    std::string start_time(uint64_t ticks) const {
        int64_t ns = m_btime * 1'000'000'000 +
                     static_cast<int64_t>(ticks) * (1'000'000'000 / std::max(1L, m_ticks));
        return format_rfc3339_utc(ns);
    }

    /// A link's target, or null when denied / gone (denials counted for coverage).
    json link_text(int fd, const char* name) {
        auto target = posix::read_link_at(fd, name);
        if (!target) {
            note_error(target.error(), name);
            return nullptr;
        }
        return text(name, *target);
    }

    /// Denials are counted for coverage, races ignored (the caller counts those), the rest kept.
    void note_error(const ItemError& e, const std::string& item) {
        if (posix::is_denied_errno(e.code)) {
            m_denied.insert(item.empty() ? "process directory" : item);
        } else if (!posix::is_race_errno(e.code)) {
            m_sink.item_error(e.at(item.empty() ? m_path : m_path + "/" + item));
        }
    }

    void read_status(int fd, json& r) {
        // Every declared field in every record: null until status says otherwise.
        for (auto key : {"uid", "euid", "suid", "user", "effective_user", "gid", "egid", "group"})
            r[key] = nullptr;
        auto status_text = posix::read_file_at(fd, "status");
        if (!status_text) {
            note_error(status_text.error(), "status");
            return;
        }
        auto st = procfs::parse_proc_pid_status(*status_text);
        if (st.uid) {
            r["uid"] = (*st.uid)[0];
            r["euid"] = (*st.uid)[1];
            r["suid"] = (*st.uid)[2];
            r["user"] = name_or_null("user", m_users.user((*st.uid)[0]));
            r["effective_user"] = name_or_null("effective_user", m_users.user((*st.uid)[1]));
        }
        if (st.gid) {
            r["gid"] = (*st.gid)[0];
            r["egid"] = (*st.gid)[1];
            r["group"] = name_or_null("group", m_users.group((*st.gid)[0]));
        }
    }

    /// A name from the host's passwd or group file: its raw bytes, escaped like any host text.
    json name_or_null(const char* field, const std::optional<std::string>& name) {
        return name ? text(field, *name) : json(nullptr);
    }

    void read_cmdline(int fd, json& r) {
        auto bytes = posix::read_file_at(fd, "cmdline");
        if (!bytes) {
            note_error(bytes.error(), "cmdline");
            r["argv"] = nullptr;
            return;
        }
        auto args = procfs::parse_proc_pid_cmdline(*bytes);
        const bool escape_all =
            !std::all_of(args.begin(), args.end(), [](const auto& a) { return is_valid_utf8(a); });
        if (escape_all) mark_escaped("argv");
        json argv = json::array();
        for (const auto& arg : args) {
            argv.push_back(escape_all ? escape_bytes_always(arg) : arg);
        }
        r["argv"] = std::move(argv);
    }

    void read_exe(int fd, Pending& out) {
        json& r = out.record;
        r["exe_path"] = nullptr;
        r["exe_deleted"] = nullptr;
        r["exe_memfd"] = nullptr;
        r["exe_device"] = nullptr;
        r["exe_inode"] = nullptr;
        r["exe_size"] = nullptr;
        r["exe_sha256"] = nullptr;
        r["exe_hash_note"] = nullptr;
        auto target = posix::read_link_at(fd, "exe");
        if (!target) {
            note_error(target.error(), "exe");
            r["exe_hash_note"] =
                posix::is_denied_errno(target.error().code) ? "denied" : "no executable link";
            return;
        }
        // The raw link until fstat proves deletion: a file may really be named "x (deleted)".
        r["exe_path"] = text("exe_path", *target);
        r["exe_memfd"] = target->rfind("/memfd:", 0) == 0;
        // Hash through the link itself: it still opens an unlinked file.
        // The shared opener: a live exe link is always a regular file, but under --proc-root
        // (a fixture or a copied tree) it may point at a FIFO or a device.
        struct stat st {};
        auto opened = posix::open_regular_at(fd, "exe", 0, &st);
        if (!opened) {
            const auto& e = opened.error();
            r["exe_hash_note"] = posix::is_denied_errno(e.code) ? std::string("denied")
                                 : e.stage == "type"            ? e.message
                                                                : std::strerror(e.code);
            note_error(e.at(""), "exe");
            return;
        }
        const int exe_fd = opened->release();
        // st_nlink decides deletion; only then is the kernel's " (deleted)" suffix not a name.
        r["exe_deleted"] = st.st_nlink == 0;
        if (st.st_nlink == 0) {
            r["exe_path"] = text("exe_path", procfs::strip_deleted_suffix(*target, nullptr));
        }
        out.package_path = *target;
        out.package_skip = package_skip(fd, st, target->rfind("/memfd:", 0) == 0);
        r["exe_device"] = static_cast<uint64_t>(st.st_dev);
        r["exe_inode"] = static_cast<uint64_t>(st.st_ino);
        r["exe_size"] = static_cast<int64_t>(st.st_size);
        if (!m_ctx.hashes) {
            ::close(exe_fd);
            r["exe_hash_note"] = "hashing disabled (--no-hash)";
            return;
        }
        FileKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                    static_cast<uint64_t>(st.st_size),
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
        out.hash = m_ctx.hashes->submit(exe_fd, key);
    }

    /// Why the executable cannot be compared with the host's package database ("" when it can).
    std::string package_skip(int fd, const struct stat& exe, bool memfd) const {
        if (memfd) return "memfd: no file on disk";
        if (exe.st_nlink == 0) {
            return "deleted since the process started (package upgrades replace files this "
                   "way; samples keeps the copy)";
        }
        if (m_root_check.other_root(fd)) {
            return "runs in another root file system (a container): not the host's packages";
        }
        return {};
    }

    void read_environ(int fd, json& r) {
        r["ld_preload"] = nullptr;
        r["ld_library_path"] = nullptr;
        r["ld_audit"] = nullptr;
        put_preload_hooks(r, "ld_preload_", {});
        auto bytes = posix::read_file_at(fd, "environ");
        if (!bytes) {
            note_error(bytes.error(), "environ");
            return;
        }
        auto entries = procfs::parse_proc_pid_environ(*bytes);
        for (const auto& [key, value] : entries) {
            if (key == "LD_PRELOAD") {
                r["ld_preload"] = text("ld_preload", value);
                bool escaped = false;
                put_preload_hooks(r, "ld_preload_", scan_preloads(fd, value, escaped));
                if (escaped && r["ld_preload_hooks_note"].is_string()) {
                    mark_escaped("ld_preload_hooks_note");
                }
            }
            if (key == "LD_LIBRARY_PATH") r["ld_library_path"] = text("ld_library_path", value);
            if (key == "LD_AUDIT") r["ld_audit"] = text("ld_audit", value);
        }
        if (!m_ctx.params.include_environment) return;
        const bool escape_all = !std::all_of(entries.begin(), entries.end(), [](const auto& kv) {
            return is_valid_utf8(kv.first) && is_valid_utf8(kv.second);
        });
        if (escape_all) mark_escaped("environment");
        json environment = json::object();
        for (const auto& [key, value] : entries) {
            environment[escape_all ? escape_bytes_always(key) : key] =
                escape_all ? escape_bytes_always(value) : value;
        }
        r["environment"] = std::move(environment);
    }

    /// What each library LD_PRELOAD names (blanks or colons between them, as ld.so reads it)
    /// hooks, read through /proc/PID/root: the process's own file system, a container's too.
    /// `escaped`: a name had to be escaped for the notes.
    std::vector<std::pair<std::string, PreloadScan>> scan_preloads(int fd, const std::string& list,
                                                                   bool& escaped) {
        std::vector<std::pair<std::string, PreloadScan>> scans;
        size_t start = 0;
        while (start <= list.size() && scans.size() < k_max_preload_names) {
            const size_t end = list.find_first_of(" :", start);
            const std::string name = list.substr(start, end - start);
            start = end == std::string::npos ? list.size() + 1 : end + 1;
            if (name.empty()) continue;
            bool this_escaped = false;
            std::string shown = escape_bytes(name, this_escaped);
            escaped = escaped || this_escaped;
            if (name.front() != '/') {
                scans.emplace_back(shown, PreloadScan{.note = "not read: not an absolute path "
                                                              "(the loader searches for it)"});
            } else if (name.find('$') != std::string::npos) {
                scans.emplace_back(shown, PreloadScan{.note = "not read: $ORIGIN, $LIB or "
                                                              "$PLATFORM is the loader's to "
                                                              "expand"});
            } else {
                scans.emplace_back(shown, m_libraries.scan_at(fd, "root" + name));
            }
        }
        return scans;
    }

    void read_cgroup(int fd, json& r) {
        auto cg = posix::read_file_at(fd, "cgroup");
        if (!cg) {
            note_error(cg.error(), "cgroup");
            r["cgroup"] = nullptr;
            return;
        }
        auto entries = procfs::parse_proc_pid_cgroup(*cg);
        std::string joined;
        if (entries.size() == 1 && entries[0].hierarchy == 0) {
            joined = entries[0].path;  // pure cgroup v2: the one path that matters
        } else {
            // v1 or hybrid: every hierarchy, since e.g. the memory one may name the container.
            for (const auto& e : entries) {
                if (!joined.empty()) joined += ";";
                joined += fmt::format("{}:{}:{}", e.hierarchy, e.controllers, e.path);
            }
        }
        r["cgroup"] = text("cgroup", joined);
    }

    void read_namespaces(int fd, json& r) {
        json ns = json::object();
        for (auto kind : {"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"}) {
            auto target = posix::read_link_at(fd, std::string("ns/") + kind);
            std::optional<uint64_t> inode;
            if (target) {
                inode = procfs::parse_proc_pid_ns_link(*target);
            } else {
                note_error(target.error(), "ns");
            }
            ns[kind] = inode ? json(*inode) : json(nullptr);
        }
        r["namespaces"] = std::move(ns);
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    const users::UserDb& m_users;
    int64_t m_btime;
    long m_ticks;
    Denials& m_denials;
    PreloadScanCache& m_libraries;
    RootCheck m_root_check;
    std::string m_path;
    std::vector<std::string> m_escaped;
    std::set<std::string> m_denied;  ///< items denied for the current process
};

void emit_front(const Context& ctx, std::deque<Pending>& pending, RecordSink& sink) {
    Pending& p = pending.front();
    static const FileHash k_not_hashed;
    const FileHash* h = &k_not_hashed;
    if (p.hash) {
        h = &p.hash->get();
        if (h->sha256) {
            p.record["exe_sha256"] = *h->sha256;
        } else {
            p.record["exe_hash_note"] = h->note;
        }
    }
    if (p.record.value("kernel_thread", false)) {
        put_package_nulls(p.record, "exe_");
    } else {
        put_package_check(ctx, p.record, "exe_", p.package_path, *h, p.package_skip);
    }
    sink.emit(p.record);
    pending.pop_front();
}

/// One process as read by a worker.
struct ProcessItem {
    bool raced = false;
    Pending pending;  ///< record null: nothing to emit (reported as an error)
    std::vector<ItemError> errors;
};

/// What each worker thread owns.
struct Worker {
    Worker(const Context& ctx, const users::UserDb& users, int64_t btime,
           PreloadScanCache& libraries)
        : reader(ctx, errors, users, btime, sysconf(_SC_CLK_TCK), denials, libraries) {}
    ErrorBuffer errors;
    Denials denials;
    ProcessReader reader;
};

/// hidepid on /proc hides other users' processes from non-root: say so.
void note_hidepid(const Context& ctx, RecordSink& sink) {
    if (geteuid() == 0) return;
    auto mi = posix::read_file_at(AT_FDCWD, (ctx.proc_root / "self/mountinfo").string());
    if (!mi) return;
    for (const auto& m : procfs::parse_proc_pid_mountinfo(*mi)) {
        if (m.fs_type == "proc" && m.super_options.find("hidepid") != std::string::npos) {
            sink.coverage(
                "/proc is mounted with hidepid: other users' processes are invisible "
                "to a non-root run");
        }
    }
}

}  // namespace

/// The pids to read: the /proc listing and, on a live host with BPF, the kernel's task list
/// (iter/task). A process a getdents hook hides from the listing still has its /proc/PID: it is
/// read like any other, and its record's views say only the kernel listed it.
struct ProcessLists {
    std::vector<int32_t> pids;  ///< ascending
    std::set<int32_t> listed;   ///< in either /proc listing
    std::optional<std::set<int32_t>> kernel;

    nlohmann::json views_of(int32_t pid) const {
        nlohmann::json views = nlohmann::json::array();
        if (listed.count(pid)) views.push_back("proc");
        if (kernel && kernel->count(pid)) views.push_back("iter/task");
        return views;
    }
};

ProcessLists process_lists(const Context& ctx, int proc_fd, RecordSink& sink) {
    ProcessLists out;
    // The test hook drops pids from the listing as a getdents hook would (see hidden_processes).
    const std::set<int64_t> unlisted(ctx.params.debug_unlist_pids.begin(),
                                     ctx.params.debug_unlist_pids.end());
    auto listing = [&] {
        auto pids = posix::numeric_entries(proc_fd);
        std::erase_if(pids, [&](int32_t pid) { return unlisted.count(pid) > 0; });
        return pids;
    };
    out.pids = listing();
    out.listed.insert(out.pids.begin(), out.pids.end());
    sink.view("proc");
    if (!ctx.params.bpf || !ctx.live_proc() || !kernel_view::kernel_views_unavailable().empty()) {
        return out;  // hidden_processes says why the kernel's list was not read
    }
    auto tasks = kernel_view::read_kernel_tasks();
    if (!tasks) return out;
    sink.view("iter/task");
    out.kernel.emplace();
    for (const auto& t : *tasks) {
        if (t.leader() && !t.dead()) out.kernel->insert(t.tgid);
    }
    // Listed again: a process born after the first listing is in this one, not hidden.
    for (int32_t pid : listing()) out.listed.insert(pid);
    for (int32_t pid : *out.kernel) {
        if (!out.listed.count(pid)) out.pids.push_back(pid);
    }
    std::sort(out.pids.begin(), out.pids.end());
    out.pids.erase(std::unique(out.pids.begin(), out.pids.end()), out.pids.end());
    return out;
}

void collect_processes(const Context& ctx, RecordSink& sink) {
    auto proc = posix::open_dir_at(AT_FDCWD, ctx.proc_root.string());
    if (!proc)
        throw std::runtime_error("cannot open " + ctx.proc_root.string() + ": " +
                                 proc.error().message);
    int64_t btime = 0;
    if (auto stat = posix::read_file_at(proc->get(), "stat")) {
        btime = procfs::parse_proc_stat_btime(*stat).value_or(0);
    }
    if (btime == 0)
        sink.item_error(
            ItemError::without_code("parse", ctx.proc_root.string() + "/stat", "no btime"));
    std::vector<ItemError> account_problems;
    auto users = users::UserDb::load(ctx.host_root, &account_problems);
    for (auto& e : account_problems) sink.item_error(std::move(e));  // names then unknown
    const ProcessLists lists = process_lists(ctx, proc->get(), sink);
    std::vector<std::string> pids;
    for (int32_t pid : lists.pids) pids.push_back(std::to_string(pid));
    const size_t threads = ctx.worker_threads(pids.size());
    PreloadScanCache libraries;  // a library many processes preload is read once
    std::vector<std::unique_ptr<Worker>> workers;
    for (size_t i = 0; i < threads; ++i)
        workers.push_back(std::make_unique<Worker>(ctx, users, btime, libraries));

    std::deque<Pending> pending;
    auto produce = [&](size_t worker, size_t index) {
        Worker& w = *workers[worker];
        ProcessItem item;
        item.raced = !w.reader.read(proc->get(), pids[index], item.pending);
        if (!item.pending.record.is_null()) {
            item.pending.record["views"] = lists.views_of(lists.pids[index]);
        }
        item.errors = w.errors.take();
        return item;
    };
    auto consume = [&](ProcessItem&& item) {
        for (auto& e : item.errors) sink.item_error(std::move(e));
        if (item.raced) {
            sink.race();
            return;
        }
        if (item.pending.record.is_null()) return;  // reported as an error already
        pending.push_back(std::move(item.pending));
        if (pending.size() >= k_pending_window) emit_front(ctx, pending, sink);
    };
    ordered_parallel<ProcessItem>(pids.size(), threads, k_workers_ahead, produce, consume,
                                  [&] { return ctx.should_stop(); });
    while (!pending.empty()) emit_front(ctx, pending, sink);

    Denials denials;
    for (const auto& w : workers) {
        for (const auto& [item, count] : w->denials.by_item) denials.by_item[item] += count;
    }
    for (const auto& [item, count] : denials.by_item) {
        sink.coverage(fmt::format("{} denied for {} process(es){}", item, count,
                                  geteuid() == 0 ? " (kernel or LSM policy denies even root)"
                                                 : ": run as root for full coverage"));
    }
    note_hidepid(ctx, sink);
}

}  // namespace irsnap::collectors
