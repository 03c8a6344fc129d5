// SPDX-License-Identifier: Apache-2.0
// The Linux walk of the file-system timeline (timeline_walk.hpp): directory descriptors, statx
// without following anything, one file system per root, bounded by count, depth and deadline.
#include "irsnap/linux/timeline_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/procfs.hpp"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000  // Linux 5.8; older headers lack the name
#endif

namespace irsnap::timeline {
namespace {

constexpr const char* k_temporary[] = {"/tmp", "/var/tmp", "/dev/shm", "/run/user"};
constexpr const char* k_config[] = {"/etc", "/usr/local", "/opt"};
// /usr first: on merged-/usr systems /bin is a link to usr/bin, and the records then carry the
// name the files really have.
constexpr const char* k_binaries[] = {"/usr/bin", "/usr/sbin", "/bin", "/sbin"};
constexpr const char* k_libraries[] = {"/usr/lib", "/usr/lib64", "/usr/libexec", "/lib", "/lib64"};
constexpr const char* k_homes[] = {"/root", "/home"};
constexpr const char* k_never[] = {"/proc", "/sys", "/dev"};

/// `path` is `dir` or below it.
bool at_or_under(std::string_view path, std::string_view dir) {
    if (dir == "/") return true;
    return path == dir || (path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
                           path[dir.size()] == '/');
}

/// An account's home as a walk root, or "" when it is not one (see linux_roots).
std::string home_root(std::string home) {
    while (home.size() > 1 && home.back() == '/') home.pop_back();
    if (home.size() < 2 || home[0] != '/') return {};
    size_t start = 1;
    while (start <= home.size()) {
        size_t slash = home.find('/', start);
        if (slash == std::string::npos) slash = home.size();
        const std::string_view part = std::string_view(home).substr(start, slash - start);
        if (part.empty() || part == "." || part == "..") return {};
        start = slash + 1;
    }
    for (const char* never : k_never) {
        if (at_or_under(home, never)) return {};
    }
    return home;
}

std::string child_path(const std::string& dir, std::string_view name) {
    std::string out = dir == "/" ? std::string() : dir;
    out += '/';
    out += name;
    return out;
}

int64_t ns_of(const statx_timestamp& t) {
    return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}
int64_t ns_of(const timespec& t) {
    return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

/// One entry's metadata, with what the walk needs besides the record.
struct Looked {
    Entry entry;
    uint64_t dev = 0;
    bool mount_root = false;
    bool mount_root_known = false;  ///< statx said whether it is a mount root (Linux 5.8+)
};

/// statx without following or automounting (fstatat on kernels before 4.11). `name` "" with
/// the descriptor itself.
bool look(int dirfd, const char* name, Looked& out, int& error) {
    static bool no_statx = false;
    const int at = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH);
    Entry& e = out.entry;
    if (!no_statx) {
        struct statx sx {};
        if (::statx(dirfd, name, at | AT_STATX_DONT_SYNC, STATX_BASIC_STATS | STATX_BTIME, &sx) ==
            0) {
            e.type = type_of_mode(sx.stx_mode);
            e.mode = sx.stx_mode;
            e.inode = sx.stx_ino;
            e.uid = sx.stx_uid;
            e.gid = sx.stx_gid;
            e.size = sx.stx_size;
            e.links = sx.stx_nlink;
            if (sx.stx_mask & STATX_ATIME) e.atime_ns = ns_of(sx.stx_atime);
            if (sx.stx_mask & STATX_MTIME) e.mtime_ns = ns_of(sx.stx_mtime);
            if (sx.stx_mask & STATX_CTIME) e.ctime_ns = ns_of(sx.stx_ctime);
            // A birth time of zero (an ext4 image made without crtime: this VM's /tmp says
            // 1970) is no birth time, and 1970 would be a lie in the timeline.
            if ((sx.stx_mask & STATX_BTIME) && (sx.stx_btime.tv_sec != 0 || sx.stx_btime.tv_nsec))
                e.btime_ns = ns_of(sx.stx_btime);
            out.dev = (static_cast<uint64_t>(sx.stx_dev_major) << 32) | sx.stx_dev_minor;
            out.mount_root_known = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0;
            out.mount_root = (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
            return true;
        }
        if (errno != ENOSYS) {
            error = errno;
            return false;
        }
        no_statx = true;
    }
    struct ::stat st {};
    if (::fstatat(dirfd, name, &st, at) != 0) {
        error = errno;
        return false;
    }
    e.type = type_of_mode(st.st_mode);
    e.mode = st.st_mode;
    e.inode = st.st_ino;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.size = static_cast<uint64_t>(st.st_size);
    e.links = st.st_nlink;
    e.atime_ns = ns_of(st.st_atim);
    e.mtime_ns = ns_of(st.st_mtim);
    e.ctime_ns = ns_of(st.st_ctim);
    out.dev = (static_cast<uint64_t>(major(st.st_dev)) << 32) | minor(st.st_dev);
    return true;
}

int open_subdir(int dirfd, const char* name) {
    const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    int fd = ::openat(dirfd, name, flags | O_NOATIME);  // reading a directory sets its atime
    if (fd < 0 && errno == EPERM) fd = ::openat(dirfd, name, flags);
    return fd;
}

struct Mount {
    std::string fs_type;
    MountKind kind = MountKind::disk;
};

struct Subdir {
    std::string name;
    uint64_t dev = 0, ino = 0;
};

struct Frame {
    UniqueFd fd;
    std::string path;  ///< host path
    std::string real;  ///< where it is on our own file system, for the mount table
    uint64_t dev = 0;
    size_t depth = 0;
    std::vector<Subdir> subdirs;
    size_t next = 0;
};

class LinuxWalk {
  public:
    LinuxWalk(const HostView& host, const std::vector<Root>& roots, WalkState& state)
        : m_host(host), m_state(state) {
        for (const auto& r : roots) m_root_paths.insert(r.path);
        read_mounts();
    }

    void run(std::vector<RootReport>& roots) {
        auto root_fd = posix::open_dir_at(AT_FDCWD, m_host.host_root.string());
        if (!root_fd) {
            for (auto& r : roots) {
                r.status = "failed";
                r.detail = "the host root " + m_host.host_root.string() +
                           " cannot be opened: " + root_fd.error().message;
            }
            m_state.visitor().error(root_fd.error());
            return;
        }
        m_root_fd = std::move(*root_fd);
        m_root_real = real_path_of(m_root_fd.get());
        for (auto& r : roots) {
            if (m_state.stopping(r.root.path, true)) break;
            const auto started = std::chrono::steady_clock::now();
            walk_root(r);
            r.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        }
    }

  private:
    /// Mount points as our own process sees them; their kinds decide what is entered.
    void read_mounts() {
        auto text = posix::read_file_at(AT_FDCWD, "/proc/self/mountinfo");
        if (!text) return;  // no /proc: the device and mount-root checks still apply
        for (auto& m : procfs::parse_proc_pid_mountinfo(*text)) {
            // A later mount on the same point hides the earlier one: the last line wins.
            m_mounts[m.mount_point] = Mount{m.fs_type, mount_kind(m.fs_type)};
        }
    }

    /// The mount `real` lies on: the longest mount point it is at or under.
    const Mount* containing_mount(const std::string& real) const {
        const Mount* best = nullptr;
        size_t best_len = 0;
        for (const auto& [point, mount] : m_mounts) {
            if (at_or_under(real, point) && (best == nullptr || point.size() >= best_len)) {
                best = &mount;
                best_len = point.size();
            }
        }
        return best;
    }

    bool skipped_fs(RootReport& report, const std::string& real) const {
        const Mount* m = containing_mount(real);
        if (m == nullptr || (m->kind != MountKind::remote && m->kind != MountKind::pseudo)) {
            return false;
        }
        report.status = "skipped_fs";
        report.detail = m->fs_type;
        return true;
    }

    static std::string real_path_of(int fd) {
        auto link = posix::read_link_at(AT_FDCWD, "/proc/self/fd/" + std::to_string(fd));
        return link ? *link : std::string();
    }

    void walk_root(RootReport& report) {
        const Root& root = report.root;
        const std::string relative =
            root.path.substr(root.path.find_first_not_of('/') == std::string::npos
                                 ? root.path.size()
                                 : root.path.find_first_not_of('/'));
        // On a network or FUSE file system: not even opened (the server could hang the call).
        if (skipped_fs(report, child_path(m_root_real, relative))) return;
        auto fd =
            posix::open_in_root(m_root_fd.get(), relative.empty() ? "." : relative, O_DIRECTORY);
        if (!fd) {
            const int code = fd.error().code;
            if (code == ENOENT || code == ENOTDIR) {
                report.status = "missing";
                report.detail = code == ENOTDIR ? "not a directory" : "";
            } else if (posix::is_denied_errno(code)) {
                report.status = "denied";
                m_state.report().denied.add(root.path);
            } else {
                report.status = "failed";
                report.detail = fd.error().message;
                m_state.visitor().error(fd.error().at(root.path));
            }
            return;
        }
        Looked self;
        int error = 0;
        if (!look(fd->get(), "", self, error)) {
            report.status = "failed";
            report.detail = std::strerror(error);
            m_state.visitor().error(ItemError::from_errno("stat", error, root.path));
            return;
        }
        const auto id = std::make_pair(self.dev, self.entry.inode.value_or(0));
        if (auto seen = m_walked.find(id); seen != m_walked.end()) {
            report.status = "duplicate";
            report.detail = seen->second;
            return;
        }
        m_walked.emplace(id, root.path);
        std::string real = real_path_of(fd->get());
        if (real.empty()) real = child_path(m_root_real, relative);
        if (skipped_fs(report, real)) return;  // resolved through a link to such a place
        report.status = "walked";
        self.entry.path = root.path;
        m_current = &report;
        if (!m_state.offer(report, self.entry, root.path)) {
            report.status = "stopped";
            return;
        }
        std::vector<Frame> stack;
        stack.push_back(Frame{std::move(*fd), root.path, real, self.dev, 0, {}, 0});
        if (!read_dir(stack.back())) {
            report.status = "stopped";
            return;
        }
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (top.next >= top.subdirs.size()) {
                stack.pop_back();
                continue;
            }
            const Subdir sub = std::move(top.subdirs[top.next++]);
            std::string path = child_path(top.path, sub.name);
            if (top.depth + 1 > m_state.limits().max_depth) {
                m_state.report().too_deep.add(std::move(path));
                continue;
            }
            const int child = open_subdir(top.fd.get(), sub.name.c_str());
            if (child < 0) {
                const int code = errno;
                if (code == ENOENT || code == ENOTDIR || code == ELOOP) {
                    m_state.visitor().race();  // gone, or replaced by a file or a link
                } else if (posix::is_denied_errno(code)) {
                    m_state.report().denied.add(path);
                } else {
                    m_state.visitor().error(ItemError::from_errno("open", code, path));
                }
                continue;
            }
            UniqueFd owner(child);
            struct ::stat st {};
            if (::fstat(child, &st) != 0 || st.st_ino != sub.ino ||
                ((static_cast<uint64_t>(major(st.st_dev)) << 32) | minor(st.st_dev)) != sub.dev) {
                m_state.visitor().race();  // replaced between statx and open
                continue;
            }
            Frame next{std::move(owner),
                       std::move(path),
                       child_path(top.real, sub.name),
                       sub.dev,
                       top.depth + 1,
                       {},
                       0};
            // `top` is not used past this point: push_back may move it.
            if (!read_dir(next)) {
                report.status = "stopped";
                return;
            }
            stack.push_back(std::move(next));
        }
    }

    /// Reads one directory: each entry looked at and offered; subdirectories kept for later.
    /// False when the walk must stop.
    bool read_dir(Frame& frame) {
        if (m_state.stopping(frame.path, true)) return false;
        const int copy = ::fcntl(frame.fd.get(), F_DUPFD_CLOEXEC, 0);
        DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
        if (dir == nullptr) {
            const int code = errno;
            if (copy >= 0) ::close(copy);
            m_state.visitor().error(ItemError::from_errno("readdir", code, frame.path));
            return true;
        }
        bool go_on = true;
        for (;;) {
            errno = 0;
            const dirent* d = ::readdir(dir);
            if (d == nullptr) {
                if (errno != 0) {
                    m_state.visitor().error(ItemError::from_errno("readdir", errno, frame.path));
                }
                break;
            }
            const char* name = d->d_name;
            if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
            if (m_state.stopping(frame.path)) {
                go_on = false;
                break;
            }
            if (!entry(frame, name)) {
                go_on = false;
                break;
            }
        }
        ::closedir(dir);
        return go_on;
    }

    bool entry(Frame& frame, const char* name) {
        std::string path = child_path(frame.path, name);
        std::string real = child_path(frame.real, name);
        // A mount point the table knows: only memory file systems are looked into; the others
        // are not even stat'ed (a network or FUSE server could hang the call).
        const auto mount = m_mounts.find(real);
        const bool listed = mount != m_mounts.end();
        if (listed &&
            (mount->second.kind == MountKind::remote || mount->second.kind == MountKind::pseudo)) {
            m_state.report().other_fs.add(path + " (" + mount->second.fs_type + ")");
            return true;
        }
        Looked looked;
        int error = 0;
        if (!look(frame.fd.get(), name, looked, error)) {
            if (error == ENOENT) {
                m_state.visitor().race();
            } else if (posix::is_denied_errno(error)) {
                m_state.report().denied.add(path);
            } else {
                m_state.visitor().error(ItemError::from_errno("stat", error, path));
            }
            return true;
        }
        Entry& e = looked.entry;
        if (e.type == FileType::symlink) {
            auto target = posix::read_link_at(frame.fd.get(), name);
            if (target) e.link_target = std::move(*target);
        }
        if (e.type == FileType::directory) {
            // Not entered: another file system on a disk (a bind mount, a second disk). A file
            // bind-mounted over a file (Docker's /etc/hosts) is recorded like any file.
            const bool other_fs =
                listed ? mount->second.kind != MountKind::memory
                       : (looked.mount_root_known ? looked.mount_root : looked.dev != frame.dev);
            if (other_fs) {
                m_state.report().other_fs.add(listed ? path + " (" + mount->second.fs_type + ")"
                                                     : path);
                return true;
            }
            // A root of its own is walked (and recorded) as that root.
            if (m_root_paths.count(path) ||
                m_walked.count({looked.dev, e.inode.value_or(0)}) != 0) {
                return true;
            }
            if (frame.subdirs.size() < m_state.limits().max_subdirs_per_dir) {
                frame.subdirs.push_back(Subdir{name, looked.dev, e.inode.value_or(0)});
            } else {
                m_state.report().too_wide.add(path);
            }
        }
        e.path = std::move(path);
        return m_state.offer(*m_current, e, frame.path);
    }

    const HostView& m_host;
    WalkState& m_state;
    std::set<std::string> m_root_paths;
    std::map<std::pair<uint64_t, uint64_t>, std::string> m_walked;  ///< root dirs: dev, inode
    std::map<std::string, Mount> m_mounts;
    UniqueFd m_root_fd;
    std::string m_root_real;
    RootReport* m_current = nullptr;
};

}  // namespace

std::vector<Root> linux_roots(const std::vector<users::PasswdEntry>& accounts) {
    std::vector<Root> out;
    for (const char* p : k_temporary) out.push_back({p, Scope::all});
    for (const char* p : k_config) out.push_back({p, Scope::all});
    for (const char* p : k_binaries) out.push_back({p, Scope::all});
    for (const char* p : k_libraries) out.push_back({p, Scope::changed});
    for (const char* p : k_homes) out.push_back({p, Scope::all});
    const size_t fixed = out.size();
    for (const auto& account : accounts) {
        const std::string home = home_root(account.home);
        if (home.empty()) continue;
        bool skip = false;
        for (size_t i = 0; i < out.size() && !skip; ++i) {
            const Root& r = out[i];
            // Already walked whole (or the same root), or the parent of a fixed root.
            skip = home == r.path || (r.scope == Scope::all && at_or_under(home, r.path)) ||
                   (i < fixed && at_or_under(r.path, home));
        }
        if (!skip) out.push_back({home, Scope::all});
    }
    return out;
}

MountKind mount_kind(std::string_view fs_type) {
    if (fs_type == "tmpfs" || fs_type == "ramfs") return MountKind::memory;
    static constexpr std::string_view k_remote[] = {
        "nfs",   "nfs4", "cifs",      "smb3",     "smbfs",  "ncpfs",   "9p",   "afs",
        "ceph",  "coda", "glusterfs", "lustre",   "gpfs",   "ocfs2",   "gfs2", "davfs",
        "sshfs", "fuse", "fuseblk",   "orangefs", "beegfs", "virtiofs"};
    static constexpr std::string_view k_pseudo[] = {
        "proc",        "sysfs",      "cgroup",  "cgroup2",  "devtmpfs", "devpts",     "debugfs",
        "tracefs",     "securityfs", "pstore",  "bpf",      "configfs", "mqueue",     "hugetlbfs",
        "binfmt_misc", "autofs",     "fusectl", "efivarfs", "nsfs",     "rpc_pipefs", "selinuxfs"};
    if (fs_type.substr(0, 5) == "fuse.") return MountKind::remote;
    for (auto t : k_remote) {
        if (fs_type == t) return MountKind::remote;
    }
    for (auto t : k_pseudo) {
        if (fs_type == t) return MountKind::pseudo;
    }
    return MountKind::disk;
}

Report walk_linux(const HostView& host, const std::vector<Root>& roots, const Limits& limits,
                  Visitor& visitor) {
    Report report;
    for (const auto& r : roots) report.roots.push_back(RootReport{r});
    WalkState state(host, limits, visitor, report);
    LinuxWalk walk(host, roots, state);
    walk.run(report.roots);
    return report;
}

}  // namespace irsnap::timeline
