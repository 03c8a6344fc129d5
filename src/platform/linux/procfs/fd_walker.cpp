// SPDX-License-Identifier: Apache-2.0
// One process's descriptors through /proc/PID/fd: per descriptor, the link text, the open
// file's stat and its fdinfo (position, flags, mount). The process is read through one directory
// fd opened once, so a recycled pid cannot mix two processes' descriptors.
#include "fd_walker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hash_open.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/linux/procfs.hpp"

namespace irsnap::fd_walk {
namespace {

/// Reads one fdinfo file into a stack buffer: it is called once per descriptor on the host.
std::optional<procfs::FdInfo> read_fdinfo(int fdinfo_dir, const char* name) {
    if (fdinfo_dir < 0) return std::nullopt;
    // Not through open_regular_at: this runs once per descriptor on the host, and an fdinfo
    // entry is always a kernel pseudo-file; O_NONBLOCK|O_NOCTTY all the same, so a fixture or
    // a strange proc root can never block or take a terminal.
    int fd = ::openat(fdinfo_dir, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return std::nullopt;
    char buf[4096];
    ssize_t n;
    do {
        n = ::read(fd, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    if (n <= 0) return std::nullopt;
    return procfs::parse_proc_pid_fdinfo(std::string_view(buf, static_cast<size_t>(n)));
}

const std::string k_closed_note = "closed (or its process exited) before it could be hashed";

}  // namespace

HandleContent hash_content(HashCache& hashes, int fd_dir, const char* name, const OpenHandle& h) {
    HandleContent out;
    struct stat st {};
    auto fd = posix::open_regular_for_hash(fd_dir, name, true, st);
    if (!fd) {
        out.note = posix::is_race_errno(fd.error().code)
                       ? k_closed_note
                       : "not hashed: " + fd.error().message + " (" + fd.error().stage + ")";
        return out;
    }
    if (st.st_dev != h.device || st.st_ino != h.inode) {
        out.note = "the descriptor number now refers to another file";
        return out;
    }
    const FileKey key = posix::file_key(st);
    if (key.size <= k_inline_hash_bytes)
        return HandleContent::of(hashes.hash_now(fd->release(), key));
    out.pending = hashes.submit(fd->release(), key);
    return out;
}

bool stop_requested(const HostView& host) {
    return (host.cancel && host.cancel->load(std::memory_order_relaxed)) ||
           std::chrono::steady_clock::now() >= host.deadline;
}

void put_stat(OpenHandle& h, const struct stat& st) {
    h.has_stat = true;
    h.mode = st.st_mode;
    h.device = st.st_dev;
    h.inode = st.st_ino;
    h.size = static_cast<uint64_t>(st.st_size);
    h.nlink = static_cast<uint32_t>(st.st_nlink);
}

HandleContent unreachable_content(int err) {
    HandleContent gone;
    gone.note = posix::is_race_errno(err)
                    ? k_closed_note
                    : std::string("not hashed: stat failed: ") + std::strerror(err);
    return gone;
}

void Walker::walk_process(int proc_dir, int32_t pid) {
    const std::string pid_text = std::to_string(pid);
    auto pid_dir = posix::open_dir_at(proc_dir, pid_text);
    if (!pid_dir) {
        ++m_out.races;
        return;
    }
    auto fd_dir = posix::open_dir_at(pid_dir->get(), "fd");
    if (!fd_dir) {
        if (posix::is_denied_errno(fd_dir.error().code)) {
            ++m_out.processes_denied;
        } else {
            ++m_out.races;  // exited, or a zombie whose fd table is gone
        }
        return;
    }
    auto fdinfo_dir = posix::open_dir_at(pid_dir->get(), "fdinfo");
    const int info_fd = fdinfo_dir ? fdinfo_dir->get() : -1;
    ++m_out.processes;
    const size_t first = m_out.handles.size();
    // The index the process's name gets if it has descriptors (the name is read after
    // them: a process without any costs no stat read).
    const auto index = static_cast<uint32_t>(m_out.process_names.size());
    bool denied = false;
    char name[16];
    for (int32_t fd : posix::numeric_entries(fd_dir->get())) {
        std::snprintf(name, sizeof name, "%d", fd);
        auto target = posix::read_link_at(fd_dir->get(), name);
        if (!target) {
            // Listing may be allowed while reading the links is not (LSM, ptrace rules).
            denied = denied || posix::is_denied_errno(target.error().code);
            continue;  // otherwise closed between listing and reading: nothing to report
        }
        OpenHandle h;
        h.pid = pid;
        h.fd = fd;
        h.process = index;
        h.target = *target;
        struct stat st {};
        // Only paths need stat (type, device, deleted); a socket, pipe or anon inode is
        // fully named by its link text, and skipping it saves a syscall per descriptor.
        if (!h.target.empty() && h.target[0] == '/') {
            if (::fstatat(fd_dir->get(), name, &st, 0) == 0) {
                put_stat(h, st);
                if (m_hashes && S_ISREG(h.mode) &&
                    (h.nlink == 0 || h.target.starts_with("/memfd:"))) {
                    add_content(h, hash_content(*m_hashes, fd_dir->get(), name, h));
                }
            } else if (h.target.starts_with("/memfd:") || h.target.ends_with(" (deleted)")) {
                // Content that mattered and is already out of reach: say why.
                add_content(h, unreachable_content(errno));
            }
        }
        // A socket's fdinfo says only O_RDWR and pos 0 while costing three syscalls; its
        // state is in the network record (joined by socket_inode).
        const bool socket = h.target.starts_with("socket:[");
        if (auto info = socket ? std::nullopt : read_fdinfo(info_fd, name)) {
            h.has_fdinfo = true;
            h.position = info->pos;
            h.flags = info->flags;
            h.mnt_id = info->mnt_id;
        }
        m_out.handles.push_back(h);
    }
    if (denied) ++m_out.processes_denied;
    if (m_out.handles.size() == first) return;
    auto stat = posix::read_file_at(pid_dir->get(), "stat");
    auto parsed = stat ? procfs::parse_proc_pid_stat(*stat) : std::nullopt;
    m_out.process_names.push_back(parsed ? parsed->comm : std::string());
}

void Walker::add_content(OpenHandle& h, HandleContent content) {
    h.content = static_cast<int32_t>(m_out.contents.size());
    m_out.contents.push_back(std::move(content));
}

}  // namespace irsnap::fd_walk
