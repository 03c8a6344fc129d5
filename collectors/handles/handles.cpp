// SPDX-License-Identifier: Apache-2.0
#include "handles.hpp"

namespace irsnap::collectors {

const CollectorSpec& handles_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const CollectorSpec spec{
        .name = "handles",
        .description =
            "Every open file descriptor of every process: what it is (file, socket, pipe, "
            "device, anon inode, memfd), its target, device and inode, open flags and position. "
            "Deleted-but-open files and memfds are marked and hashed: their contents are "
            "evidence nothing on disk still holds.",
        .volatility_rank = 40,
        .why =
            "RFC 3227 open files: descriptors close as programs run; read after the process "
            "table, before mapped modules and anything on disk. The walk itself is taken once "
            "per run and shared with the network collector.",
        .platforms = {"linux", "windows"},
        .privileges = "root (CAP_SYS_PTRACE) to list other users' descriptors",
        .without_privileges =
            "degrades: only the caller's own processes are listed; the number of processes "
            "whose descriptors were hidden is in coverage",
        .fields = {
            {"pid", "integer", "Process id."},
            {"process_name", "string",
             "Process short name (comm: 15 bytes, settable by the process itself)."},
            {"fd", "integer", "Descriptor number (on Windows, the handle value)."},
            {"type", "string",
             "file, directory, socket, pipe, fifo, char_device, block_device, anon_inode, "
             "memfd, symlink or unknown."},
            {"anon_kind", "string",
             "For anon_inode: the kernel object (eventfd, eventpoll, inotify, signalfd, "
             "timerfd, bpf-map, bpf-prog, io_uring ...).",
             k_linux},
            {"target", "string",
             "The descriptor's target as the kernel shows it (/proc/PID/fd/N): a path, which "
             "ends in ' (deleted)' when unlinked, or socket:[INODE], pipe:[INODE], "
             "anon_inode:..., /memfd:NAME (deleted)."},
            {"deleted", "boolean",
             "A regular file whose last name is gone (decided by st_nlink == 0, not by the "
             "' (deleted)' text), or a memfd."},
            {"device", "string", "Device of the open file, 'major:minor' (decimal).", k_linux},
            {"inode", "integer", "Inode of the open file."},
            {"size", "integer", "Size in bytes of a regular file or memfd.", k_linux},
            {"position", "integer",
             "File offset (fdinfo pos). Absent for sockets: their fdinfo is not read (see "
             "flags).",
             k_linux},
            {"flags", "string",
             "Open flags (fdinfo flags) as names: access mode first (O_RDONLY, O_WRONLY, "
             "O_RDWR), then O_APPEND, O_NONBLOCK, O_CLOEXEC, O_PATH ... Absent for sockets: "
             "a socket is always O_RDWR, its position is always 0, and its state is in the "
             "network record, so its fdinfo (three syscalls per socket on a busy server) is "
             "skipped.",
             k_linux},
            {"mount_id", "integer",
             "Mount the file lives on (fdinfo mnt_id), as in mountinfo. Absent for sockets.",
             k_linux},
            {"socket_inode", "integer",
             "For sockets: the inode, which is the `inode` of the socket's record in the "
             "network artifact."},
            {"sha256", "string",
             "Deleted files and memfds only: SHA-256 of the content, read through the "
             "descriptor itself (the file has no name left to read it by)."},
            {"hash_note", "string", "Why a deleted file or memfd was not hashed."},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash)."},
        }};
    return spec;
}

}  // namespace irsnap::collectors
