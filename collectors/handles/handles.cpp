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
            "evidence nothing on disk still holds. Windows: every handle of every process from "
            "the system handle table, with its object type, granted access and object name "
            "(a File handle also with its Win32 path).",
        .volatility_rank = 40,
        .why =
            "RFC 3227 open files: descriptors close as programs run; read after the process "
            "table, before mapped modules and anything on disk. On Linux the walk itself is "
            "taken once per run and shared with the network collector.",
        .platforms = {"linux", "windows"},
        .privileges =
            "root (CAP_SYS_PTRACE) to list other users' descriptors; Windows: an administrator "
            "(SeDebugPrivilege, PROCESS_DUP_HANDLE) to name other users' handles",
        .without_privileges =
            "degrades: only the caller's own processes are listed; the number of processes "
            "whose descriptors were hidden is in coverage. Windows: every handle is listed, "
            "those of processes that cannot be opened without a name",
        .fields =
            {
                {"pid", "integer", "Process id."},
                {"process_name", "string",
                 "Process short name (Linux comm: 15 bytes, settable by the process itself; "
                 "Windows: the image name)."},
                {"fd", "integer", "Descriptor number (on Windows, the handle value)."},
                {"type", "string",
                 "file, directory, socket, pipe, fifo, char_device, block_device, anon_inode, "
                 "memfd, symlink or unknown. Windows: file, pipe, socket or char_device for File "
                 "objects (by their NT name), 'object' for every other kernel object (see "
                 "object_type)."},
                {"object_type",
                 "string",
                 "The object manager's type name: File, Key, Event, Section, Process, Thread, "
                 "Mutant, ALPC Port ...",
                 {"windows"}},
                {"granted_access",
                 "string",
                 "Access mask granted to the handle ('0x...', hex).",
                 {"windows"}},
                {"object_address",
                 "string",
                 "Kernel address of the object ('0x...'): the same object held by two processes "
                 "has "
                 "the same address. Null when Windows hides it (not an administrator).",
                 {"windows"}},
                {"anon_kind", "string",
                 "For anon_inode: the kernel object (eventfd, eventpoll, inotify, signalfd, "
                 "timerfd, bpf-map, bpf-prog, io_uring ...).",
                 k_linux},
                {"target", "string",
                 "The descriptor's target as the kernel shows it (/proc/PID/fd/N): a path, which "
                 "ends in ' (deleted)' when unlinked, or socket:[INODE], pipe:[INODE], "
                 "anon_inode:..., /memfd:NAME (deleted). Windows: the object's NT name "
                 "(\\Device\\HarddiskVolume3\\x, \\REGISTRY\\MACHINE\\..., "
                 "\\BaseNamedObjects\\...); null for unnamed objects and when the name could "
                 "not be read (see name_note)."},
                {"path",
                 "string",
                 "File objects: the Win32 path of the target (C:\\x, \\\\server\\share\\x) "
                 "when a drive letter or network redirector maps it.",
                 {"windows"}},
                {"name_note",
                 "string",
                 "Why target is null: process denied, duplicate failed, timed out (the query "
                 "blocks on synchronous pipes; it runs on a worker thread with a 200 ms limit), "
                 "skipped, name query failed.",
                 {"windows"}},
                {"deleted",
                 "boolean",
                 "A regular file whose last name is gone (decided by st_nlink == 0, not by the "
                 "' (deleted)' text), or a memfd.",
                 {"linux"}},
                {"device", "string", "Device of the open file, 'major:minor' (decimal).", k_linux},
                {"inode", "integer", "Inode of the open file.", {"linux"}},
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
                {"socket_inode",
                 "integer",
                 "For sockets: the inode, which is the `inode` of the socket's record in the "
                 "network artifact.",
                 {"linux"}},
                {"sha256",
                 "string",
                 "Deleted files and memfds only: SHA-256 of the content, read through the "
                 "descriptor itself (the file has no name left to read it by).",
                 {"linux"}},
                {"hash_note", "string", "Why a deleted file or memfd was not hashed.", {"linux"}},
                {"escaped_fields",
                 "string[]",
                 "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
                 "backslash).",
                 {"linux"}},
            },
        .reads_open_handles = true};
    return spec;
}

}  // namespace irsnap::collectors
