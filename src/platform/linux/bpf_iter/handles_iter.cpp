// SPDX-License-Identifier: Apache-2.0
#include "handles_iter.hpp"

#include <fcntl.h>
#include <linux/types.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <string_view>
#include <vector>

#include "../procfs/fd_walker.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/kernel_files.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "iterator.hpp"
#include "task_file.skel.h"

namespace irsnap::bpf_iter {
namespace {

/// Turns the iterator's records, in ascending pid order, into the snapshot; between them, walks
/// through /proc every listed process the iterator did not return, so the snapshot stays ordered
/// by pid and covers the union of both lists.
class KernelFileAssembler {
  public:
    KernelFileAssembler(const HostView& host, int proc_dir, std::vector<int32_t> listed,
                        HandleSnapshot& out)
        : m_host(host),
          m_proc(proc_dir),
          m_listed(std::move(listed)),
          m_out(out),
          m_walker(out, host.hashes) {}

    /// False when the record is out of pid order: the reader's assumption (the iterator walks
    /// irsnap's pid namespace in ascending order) does not hold, and the merge would repeat
    /// processes; the caller then walks /proc instead.
    bool add(const kernel_view::KernelFile& f) {
        if (f.tgid < m_pid) return false;
        if (f.tgid != m_pid) start_process(f.tgid, f.comm);
        OpenHandle h;
        h.pid = f.tgid;
        h.fd = f.fd;
        h.process = m_index;
        char name[16];
        std::snprintf(name, sizeof name, "%d", f.fd);
        std::string target;
        if (f.path) {
            h.target = *f.path;
        } else {
            // The kernel could not build the path (longer than its buffer): /proc's link can.
            auto link = fd_dir() >= 0 ? posix::read_link_at(fd_dir(), name)
                                      : Result<std::string>(ItemError::without_code("", "", ""));
            if (!link) return true;  // closed since: as the /proc walk, nothing to report
            target = std::move(*link);
            h.target = target;
        }
        if (!h.target.empty() && h.target[0] == '/') stat_path(f, name, h);
        if (!h.target.starts_with("socket:[")) {  // as the /proc walk: a socket's fdinfo is bare
            h.has_fdinfo = true;
            h.position = f.position;
            h.flags = f.flags;
            h.mnt_id = f.mnt_id;
        }
        m_out.handles.push_back(h);
        return true;
    }

    /// The listed processes after the last one the iterator returned.
    void finish() { walk_listed_below(INT32_MAX); }

  private:
    void start_process(int32_t pid, std::string_view comm) {
        walk_listed_below(pid);
        while (m_next < m_listed.size() && m_listed[m_next] == pid) ++m_next;
        m_pid = pid;
        m_fd_dir.reset();
        m_fd_dir_tried = false;
        ++m_out.processes;
        ++m_out.processes_from_kernel;
        m_index = static_cast<uint32_t>(m_out.process_names.size());
        m_out.process_names.emplace_back(comm);
    }

    void walk_listed_below(int32_t pid) {
        for (; m_next < m_listed.size() && m_listed[m_next] < pid; ++m_next) {
            if ((m_next & 63) == 0 && stop_requested()) return;
            m_walker.walk_process(m_proc, m_listed[m_next]);
        }
    }

  public:
    /// Remembered: once stopped, the snapshot is incomplete and stays so.
    bool stop_requested() {
        m_stopped = m_stopped || fd_walk::stop_requested(m_host);
        if (m_stopped) m_out.complete = false;
        return m_stopped;
    }

  private:
    /// /proc/PID/fd of the current process, opened on first need (a stat on a stacking file
    /// system, a hash, a long path): most processes never need it.
    int fd_dir() {
        if (!m_fd_dir_tried) {
            m_fd_dir_tried = true;
            auto dir = posix::open_dir_at(m_proc, std::to_string(m_pid) + "/fd");
            if (dir) m_fd_dir = std::move(*dir);
        }
        return m_fd_dir ? m_fd_dir->get() : -1;
    }

    void stat_path(const kernel_view::KernelFile& f, const char* name, OpenHandle& h) {
        if (kernel_view::stat_reports_inode(f.fs_magic)) {
            h.has_stat = true;
            h.mode = f.mode;
            h.device = f.device;
            h.inode = f.inode;
            h.size = f.size;
            h.nlink = f.nlink;
        } else {
            struct stat st {};
            if (fd_dir() >= 0 && ::fstatat(fd_dir(), name, &st, 0) == 0) {
                fd_walk::put_stat(h, st);
            } else if (h.target.starts_with("/memfd:") || h.target.ends_with(" (deleted)")) {
                m_walker.add_content(h,
                                     fd_walk::unreachable_content(fd_dir() >= 0 ? errno : ENOENT));
                return;
            }
        }
        if (h.has_stat && m_host.hashes && S_ISREG(h.mode) &&
            (h.nlink == 0 || h.target.starts_with("/memfd:"))) {
            if (fd_dir() < 0) {
                m_walker.add_content(h, fd_walk::unreachable_content(ENOENT));
            } else {
                m_walker.add_content(h, fd_walk::hash_content(*m_host.hashes, fd_dir(), name, h));
            }
        }
    }

    const HostView& m_host;
    int m_proc;
    std::vector<int32_t> m_listed;
    size_t m_next = 0;
    HandleSnapshot& m_out;
    fd_walk::Walker m_walker;
    int32_t m_pid = -1;
    uint32_t m_index = 0;
    std::optional<posix::UniqueFd> m_fd_dir;
    bool m_fd_dir_tried = false;
    bool m_stopped = false;
};

Result<std::shared_ptr<irsnap_task_file>> load_task_file_program() {
    return load_skeleton<irsnap_task_file>(
        "iter/task_file", irsnap_task_file__open, irsnap_task_file__load, irsnap_task_file__destroy,
        [](irsnap_task_file* s) { s->rodata->pid_ns_level = own_pid_ns_level(); });
}

}  // namespace

void preload_task_file_program() {
    if (auto loaded = load_task_file_program())
        keep_preloaded("iter/task_file", *loaded, (*loaded)->obj);
}

std::optional<HandleSnapshot> walk_open_handles_in_kernel(const HostView& host,
                                                          std::string& why_not) {
    why_not = kernel_view::kernel_views_unavailable();
    if (!why_not.empty()) return std::nullopt;
    auto proc = posix::open_dir_at(AT_FDCWD, host.proc_root.string());
    if (!proc) {
        why_not = "the proc root cannot be opened";
        return std::nullopt;
    }
    auto skeleton = load_task_file_program();
    if (!skeleton) {
        why_not = skeleton.error().text();
        return std::nullopt;
    }
    HandleSnapshot out;
    out.view = "iter/task_file";
    KernelFileAssembler assembler(host, proc->get(), posix::numeric_entries(proc->get()), out);
    std::string carry;  // a record cut at a chunk's end
    std::optional<ItemError> bad;
    bool stopped = false;
    auto failed = stream_iterator(
        (*skeleton)->progs.irsnap_task_file, "iter/task_file", [&](std::string_view chunk) {
            // Stopped (Ctrl-C, the deadline): what was read is kept, marked incomplete.
            if (assembler.stop_requested()) {
                stopped = true;
                return false;
            }
            std::string_view bytes = chunk;
            if (!carry.empty()) {
                carry.append(chunk);
                bytes = carry;
            }
            bool in_order = true;
            auto used = kernel_view::parse_file_records(
                bytes,
                [&](const kernel_view::KernelFile& f) { in_order = in_order && assembler.add(f); });
            if (used && !in_order) {
                used = ItemError::without_code("parse", "iter/task_file",
                                               "records out of pid order: another pid namespace?");
            }
            if (!used) {
                bad = used.error();
                return false;
            }
            carry = std::string(bytes.substr(*used));
            return true;
        });
    if (stopped) return out;  // complete is false: the runner records the early stop
    if (failed || bad || !carry.empty()) {
        // A view that lost records would invent hidden descriptors: all or nothing.
        why_not = failed ? failed->text() : bad ? bad->text() : "the iterator's last record is cut";
        return std::nullopt;
    }
    assembler.finish();
    return out;
}

}  // namespace irsnap::bpf_iter
