// SPDX-License-Identifier: Apache-2.0
// Finds specimens on Linux: each process's executable, mapped files and open files, opened
// through /proc so that deleted files and memfds are read too; the preload list and files the
// responder names, through the host root. Everything else (hashing, choice, copy, records) is
// SpecimenSet's, shared with Windows.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hash_open.hpp"
#include "irsnap/linux/proc_maps.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/open_handles.hpp"
#include "irsnap/text.hpp"
#include "samples.hpp"

namespace irsnap::collectors {
namespace {

using Reasons = std::set<SpecimenReason>;

/// Held descriptors may number in the thousands (--samples all-executables): raise our own soft
/// limit to the hard one. Only this process changes; the host's limits are untouched.
void raise_descriptor_limit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

/// The names a process asks the dynamic loader to inject (LD_PRELOAD, LD_AUDIT: separated by
/// spaces or colons).
std::set<std::string> preload_names(int pid_fd) {
    std::set<std::string> names;
    auto bytes = posix::read_file_at(pid_fd, "environ");
    if (!bytes) return names;
    for (const auto& [key, value] : procfs::parse_proc_pid_environ(*bytes)) {
        if (key != "LD_PRELOAD" && key != "LD_AUDIT") continue;
        size_t start = 0;
        while (start <= value.size()) {
            const size_t end = value.find_first_of(" :", start);
            std::string name = value.substr(start, end - start);
            if (!name.empty()) names.insert(std::move(name));
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }
    return names;
}

class SampleFinder {
  public:
    SampleFinder(const Context& ctx, RecordSink& sink)
        : m_ctx(ctx), m_sink(sink), m_all(ctx.params.samples == "all-executables") {}

    void run() {
        raise_descriptor_limit();
        read_preload_list();
        read_requested();
        auto proc = posix::open_dir_at(AT_FDCWD, m_ctx.proc_root.string());
        if (!proc) {
            m_sink.coverage("cannot list " + m_ctx.proc_root.string() +
                            ": no process was looked at");
        } else {
            // Our own descriptors are the bundle and the specimens we hold: never candidates.
            const int32_t self = static_cast<int32_t>(::getpid());
            for (int32_t pid : posix::numeric_entries(proc->get())) {
                if (m_ctx.should_stop()) break;
                if (pid == self && m_ctx.live_proc()) continue;
                read_process(proc->get(), pid);
            }
            read_descriptors(proc->get());
        }
        m_set.finish(m_ctx, m_sink);
    }

  private:
    SpecimenSource source(std::string kind, std::optional<int64_t> pid, std::string_view path,
                          std::string handle, std::string read_via) {
        SpecimenSource s;
        s.kind = std::move(kind);
        s.pid = pid;
        s.process = m_process;
        s.handle = std::move(handle);
        bool escaped = false;
        s.path = escape_bytes(path, escaped);
        s.escaped = escaped || m_process_escaped;
        s.read_via = std::move(read_via);
        return s;
    }

    /// Opens `name` under `dirfd` (following a /proc magic link) and adds it when it is a
    /// regular file; a denial is recorded, a vanished file counted as a race.
    void take(int dirfd, const std::string& name, Reasons reasons, SpecimenSource src) {
        struct stat st {};
        // A stat first (through the magic link: the file itself): a file already held or
        // empty needs no open, which on a host with thousands of held files is most of them.
        if (::fstatat(dirfd, name.c_str(), &st, 0) == 0 && S_ISREG(st.st_mode)) {
            if (st.st_nlink == 0) reasons.insert(SpecimenReason::deleted);
            if (st.st_size == 0) {
                m_set.add_empty(reasons, std::move(src));
                return;
            }
            if (m_set.merge_known(posix::file_key(st), reasons, src)) return;
        }
        auto fd = posix::open_regular_at(dirfd, name, 0, &st);
        if (!fd) {
            const int code = fd.error().code;
            if (posix::is_race_errno(code)) {
                m_sink.race();
            } else if (fd.error().stage != "type") {
                m_set.add_unreadable(std::move(reasons), std::move(src),
                                     posix::is_denied_errno(code) ? "denied" : "read_failed",
                                     fd.error().message);
            } else if (reasons.count(SpecimenReason::requested)) {
                // A FIFO or device is never opened; the responder hears why theirs was not.
                m_set.add_unreadable(std::move(reasons), std::move(src), "not_regular",
                                     fd.error().message);
            }
            return;
        }
        if (st.st_nlink == 0) reasons.insert(SpecimenReason::deleted);
        m_set.add({std::move(*fd), posix::file_key(st), std::move(reasons), std::move(src)},
                  m_sink);
    }

    /// Reasons from the path (and its directory's mode) for a file the kernel names `raw`.
    Reasons path_reasons(std::string_view raw, bool* deleted_suffix) {
        bool suffix = false;
        std::string_view path = procfs::strip_deleted_suffix(raw, &suffix);
        if (deleted_suffix) *deleted_suffix = suffix;
        Reasons reasons = linux_path_reasons(path);
        if (procfs::is_memfd_pathname(raw)) reasons.insert(SpecimenReason::memfd);
        // What processes and modules found against the package database (package_fields).
        const std::string flag = m_ctx.package_flag(std::string(path));
        if (flag == "package_modified") reasons.insert(SpecimenReason::package_modified);
        if (flag == "unowned_system_file") reasons.insert(SpecimenReason::unowned_system_file);
        if (reasons.empty() && !path.empty() && path.front() == '/' && world_writable_dir(path)) {
            reasons.insert(SpecimenReason::world_writable_directory);
        }
        return reasons;
    }

    bool world_writable_dir(std::string_view path) {
        const std::string dir(path.substr(0, path.rfind('/')));
        if (dir.empty()) return false;
        auto [it, inserted] = m_dir_writable.emplace(dir, false);
        if (inserted) {
            struct stat st {};
            const auto full = m_ctx.host_path(dir.substr(1)).string();
            it->second = ::stat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
                         (st.st_mode & S_IWOTH) != 0;
        }
        return it->second;
    }

    void read_process(int proc_fd, int32_t pid) {
        auto pid_dir = posix::open_dir_at(proc_fd, std::to_string(pid), O_NOFOLLOW);
        if (!pid_dir) return;  // exited: nothing to hold
        const int pid_fd = pid_dir->get();
        auto comm = posix::read_file_at(pid_fd, "comm", 256);
        std::string name = comm ? *comm : std::string();
        while (!name.empty() && name.back() == '\n') name.pop_back();
        set_process(name);
        const auto preloads = preload_names(pid_fd);
        const std::string proc_path = fmt::format("{}/{}", m_ctx.proc_root.string(), pid);

        // The executable.
        if (auto target = posix::read_link_at(pid_fd, "exe")) {
            Reasons reasons = path_reasons(*target, nullptr);
            if (m_all) reasons.insert(SpecimenReason::all_executables);
            // Deletion is only known from the descriptor: open every exe whose link says so.
            if (!reasons.empty() || target->find(" (deleted)") != std::string::npos) {
                take(pid_fd, "exe", reasons,
                     source("exe", pid, procfs::strip_deleted_suffix(*target, nullptr), "",
                            proc_path + "/exe"));
            }
        }
        read_mappings(pid_fd, pid, preloads, proc_path);
    }

    void read_mappings(int pid_fd, int32_t pid, const std::set<std::string>& preloads,
                       const std::string& proc_path) {
        auto text = posix::read_file_at(pid_fd, "maps", 64 << 20);
        if (!text) return;
        std::set<std::pair<uint64_t, std::string>> seen;
        for (const auto& m : procfs::parse_proc_pid_maps(*text)) {
            if (m.inode == 0 || m.pathname.empty() || m.pathname.front() != '/') continue;
            if (!seen.emplace(m.inode, m.pathname).second) continue;
            bool suffix = false;
            Reasons reasons = path_reasons(m.pathname, &suffix);
            const auto path = procfs::strip_deleted_suffix(m.pathname, nullptr);
            if (preloads.count(std::string(path))) reasons.insert(SpecimenReason::preload);
            if (m_all && m.executable()) reasons.insert(SpecimenReason::all_executables);
            if (reasons.empty() && !suffix) continue;
            const std::string range = fmt::format("{:x}-{:x}", m.start, m.end);
            take(pid_fd, "map_files/" + range, reasons,
                 source("mapping", pid, path, range, proc_path + "/map_files/" + range));
        }
    }

    /// Open files, from the run's one descriptor walk (shared with network and handles): only
    /// a candidate not seen yet is opened, through /proc/PID/fd/N, and must still be the inode
    /// the walk saw (the number may have been closed and reused since).
    void read_descriptors(int proc_fd) {
        const HandleSnapshot& walk = m_ctx.open_handles("samples");
        const auto self = static_cast<int32_t>(::getpid());
        size_t n = 0;
        for (const auto& h : walk.handles) {
            if ((++n & 255) == 0 && m_ctx.should_stop()) break;
            if (!h.has_stat || !S_ISREG(h.mode) || h.target.empty() || h.target.front() != '/') {
                continue;
            }
            if (h.pid == self && m_ctx.live_proc()) continue;
            bool suffix = false;
            Reasons reasons = path_reasons(h.target, &suffix);
            if (h.nlink == 0) reasons.insert(SpecimenReason::deleted);
            if (reasons.empty()) continue;
            set_process(h.process < walk.process_names.size() ? walk.process_names[h.process]
                                                              : std::string());
            const std::string entry = std::to_string(h.fd);
            const std::string proc_path = fmt::format("{}/{}", m_ctx.proc_root.string(), h.pid);
            SpecimenSource src =
                source("descriptor", h.pid, procfs::strip_deleted_suffix(h.target, nullptr),
                       "fd " + entry, proc_path + "/fd/" + entry);
            if (h.size == 0) {
                m_set.add_empty(reasons, std::move(src));
                continue;
            }
            if (m_set.merge_known_inode(h.device, h.inode, reasons, src)) continue;
            auto fd_dir = posix::open_dir_at(proc_fd, std::to_string(h.pid) + "/fd", O_NOFOLLOW);
            if (!fd_dir) {
                m_sink.race();
                continue;
            }
            struct stat now {};
            if (::fstatat(fd_dir->get(), entry.c_str(), &now, 0) != 0 || now.st_ino != h.inode) {
                m_sink.race();  // closed, or the number now names another file
                continue;
            }
            take(fd_dir->get(), entry, std::move(reasons), std::move(src));
        }
        m_ctx.release_open_handles("samples");
    }

    void set_process(const std::string& name) {
        m_process_escaped = false;
        m_process = escape_bytes(name, m_process_escaped);
    }

    /// /etc/ld.so.preload: every library it names is loaded into every dynamic program.
    void read_preload_list() {
        const auto list = m_ctx.host_path("etc/ld.so.preload");
        auto text = posix::read_file_at(AT_FDCWD, list.string(), 1 << 20);
        if (!text) return;
        size_t start = 0;
        while (start < text->size()) {
            const size_t end = text->find_first_of(" \t\n:", start);
            std::string name = text->substr(start, end - start);
            start = end == std::string::npos ? text->size() : end + 1;
            if (name.empty() || name.front() != '/') continue;
            take_by_path(name, {SpecimenReason::preload}, "preload_list");
        }
    }

    void read_requested() {
        for (const auto& path : m_ctx.params.collect_files) {
            if (path.empty() || path.front() != '/') {
                m_set.add_unreadable({SpecimenReason::requested},
                                     source("requested", std::nullopt, path, "", path),
                                     "read_failed", "--collect-file needs an absolute path");
                continue;
            }
            take_by_path(path, {SpecimenReason::requested}, "requested");
        }
    }

    /// A host path, resolved inside the host root (a symlink in an image stays in the image).
    void take_by_path(const std::string& path, Reasons reasons, const char* kind) {
        auto root = posix::open_dir_at(AT_FDCWD, m_ctx.host_root.string());
        const std::string read_via = m_ctx.host_path(path.substr(1)).string();
        SpecimenSource src = source(kind, std::nullopt, path, "", read_via);
        if (!root) return;
        // Symlinks resolve inside the root: a link in a mounted image stays in the image. O_PATH
        // opens nothing yet; take() checks the type before the real open.
        auto fd = posix::open_in_root(root->get(), path.substr(1), O_PATH);
        if (!fd) {
            m_set.add_unreadable(std::move(reasons), std::move(src),
                                 posix::is_denied_errno(fd.error().code) ? "denied" : "vanished",
                                 fd.error().message);
            return;
        }
        take(AT_FDCWD, "/proc/self/fd/" + std::to_string(fd->get()), std::move(reasons),
             std::move(src));
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    const bool m_all;
    SpecimenSet m_set;
    std::string m_process;
    bool m_process_escaped = false;
    std::map<std::string, bool> m_dir_writable;
};

}  // namespace

void collect_samples(const Context& ctx, RecordSink& sink) {
    SampleFinder(ctx, sink).run();
}

}  // namespace irsnap::collectors
