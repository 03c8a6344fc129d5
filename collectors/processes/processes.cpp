// SPDX-License-Identifier: Apache-2.0
#include "processes.hpp"
#include "common/package_fields.hpp"

namespace irsnap::collectors {

const CollectorSpec& processes_spec() {
    static const CollectorSpec spec{
        .name = "processes",
        .description =
            "The process table: identity, command line, executable (hashed), "
            "credentials, start time, resources and namespaces of every process.",
        .volatility_rank = 30,
        .why =
            "RFC 3227 process table: processes start and exit within seconds; read right "
            "after the network state so socket owners still match.",
        .platforms = {"linux", "windows"},
        .privileges =
            "root (Linux: CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH) to read other "
            "users' exe, cwd, root, environ and namespaces",
        .without_privileges =
            "degrades: every process is listed from stat/status/cmdline, "
            "fields that need privilege are null and counted in coverage",
        .fields = with_package_fields(
            {
                {"pid", "integer", "Process id."},
                {"ppid", "integer", "Parent process id."},
                {"name", "string",
                 "Short name (Linux comm, 15 bytes, settable by the process "
                 "itself: never identify a process by it alone)."},
                {"state", "string", "Scheduler state letter (R, S, D, Z, T ...).", {"linux"}},
                {"kernel_thread", "boolean", "Kernel thread (no executable, no argv).", {"linux"}},
                {"argv",
                 "string[]",
                 "Command line as argument vector, exact bytes (see "
                 "escaped_fields); writable by the process itself.",
                 {"linux"}},
                {"command_line",
                 "string",
                 "Command line as one string (Windows keeps no vector: each program splits "
                 "its own); writable by the process itself.",
                 {"windows"}},
                {"exe_path", "string",
                 "Executable path as the kernel reports it; the kernel's "
                 "' (deleted)' suffix is removed only when the file really "
                 "is unlinked (a file may be named that way)."},
                {"exe_deleted",
                 "boolean",
                 "The executable file has been unlinked (decided by "
                 "st_nlink == 0, not by the path suffix).",
                 {"linux"}},
                {"exe_memfd", "boolean", "The executable is a memfd (fileless code).", {"linux"}},
                {"exe_device", "integer", "Device number of the executable file.", {"linux"}},
                {"exe_inode", "integer", "Inode number of the executable file.", {"linux"}},
                {"exe_size", "integer", "Size of the executable file in bytes."},
                {"exe_sha256", "string",
                 "SHA-256 of the executable, read through the process's own "
                 "handle (works for deleted files)."},
                {"exe_hash_note", "string", "Why exe_sha256 is null (denied, skipped, too large)."},
                {"signed",
                 "boolean",
                 "The executable has a valid Authenticode signature (embedded or in a system "
                 "catalog) that chains to a trusted root; null when there is no file to check.",
                 {"windows"}},
                {"signature",
                 "string",
                 "Authenticode status: valid, unsigned, untrusted, expired, revoked, bad_digest "
                 "(changed after signing) or error (see signature_note). Revocation is not fetched "
                 "(no network): a revoked certificate shows as revoked only when Windows already "
                 "knows it.",
                 {"windows"}},
                {"signer",
                 "string",
                 "Subject common name of the signing certificate.",
                 {"windows"}},
                {"signature_source",
                 "string",
                 "Where the signature was found: embedded (in the file) or catalog (a system .cat "
                 "file).",
                 {"windows"}},
                {"signature_note",
                 "string",
                 "Why the signature could not be checked.",
                 {"windows"}},
                {"cwd", "string", "Current working directory.", {"linux"}},
                {"root",
                 "string",
                 "Root directory (differs from / in chroots and containers).",
                 {"linux"}},
                {"uid", "integer", "Real user id.", {"linux"}},
                {"euid", "integer", "Effective user id.", {"linux"}},
                {"suid", "integer", "Saved user id.", {"linux"}},
                {"gid", "integer", "Real group id.", {"linux"}},
                {"egid", "integer", "Effective group id.", {"linux"}},
                {"user", "string",
                 "Name of the real user (Linux: from the host's passwd file, not NSS; "
                 "Windows: DOMAIN\\name of the token's SID)."},
                {"user_sid", "string", "SID of the process token's user.", {"windows"}},
                {"integrity_level",
                 "string",
                 "Token integrity: untrusted, low, medium, medium_plus, high, system, protected.",
                 {"windows"}},
                {"elevated", "boolean", "The token is elevated (UAC).", {"windows"}},
                {"effective_user", "string", "Name of the effective user.", {"linux"}},
                {"group",
                 "string",
                 "Name of the real group (from the host's group file).",
                 {"linux"}},
                {"start_time", "string",
                 "Start time, UTC RFC 3339 (Linux: boot time + start ticks; Windows: the "
                 "kernel's CreateTime)."},
                {"start_ticks",
                 "integer",
                 "Start time in clock ticks after boot, as the kernel "
                 "gives it.",
                 {"linux"}},
                {"threads", "integer", "Number of threads."},
                {"handle_count", "integer", "Number of open handles.", {"windows"}},
                {"private_bytes", "integer", "Private (commit) bytes.", {"windows"}},
                {"views", "string[]",
                 "Which process lists showed it. Linux: proc (the /proc listing, read twice), "
                 "iter/task (the kernel's task list through BPF, on a live host as root; a "
                 "process only it shows was hidden from the listing and is read through "
                 "/proc/PID all the same). Windows: ntquery (NtQuerySystemInformation), toolhelp "
                 "(Toolhelp32); one view only is a cross-view discrepancy (see coverage)."},
                {"rss_bytes", "integer", "Resident set size in bytes."},
                {"vsize_bytes", "integer", "Virtual memory size in bytes."},
                {"tty", "string", "Controlling terminal name, empty if none.", {"linux"}},
                {"pgid", "integer", "Process group id.", {"linux"}},
                {"sid", "integer", "Session id (Linux) / terminal session id (Windows)."},
                {"nice", "integer", "Nice value.", {"linux"}},
                {"namespaces",
                 "object",
                 "Namespace inode numbers: cgroup, ipc, mnt, net, pid, "
                 "user, uts (null when denied).",
                 {"linux"}},
                {"cgroup",
                 "string",
                 "cgroup path (v2 unified hierarchy, else v1 lines joined by "
                 "';').",
                 {"linux"}},
                {"ld_preload", "string", "LD_PRELOAD from the process environment.", {"linux"}},
                {"ld_preload_hooks",
                 "string[]",
                 "The libc functions the libraries LD_PRELOAD names export over libc's own, "
                 "from their ELF dynamic symbol tables (defined GLOBAL or WEAK functions), among "
                 "those user-space rootkits hook: readdir, opendir, fopen, open, stat, accept, "
                 "pam_authenticate, crypt, execve, unlink, pututline ... (docs/hidden-processes.md "
                 "has "
                 "the list). Each library is read once per run through /proc/PID/root, as bytes, "
                 "never loaded. Empty when they hook none; null without LD_PRELOAD or when no "
                 "library could be read (ld_preload_hooks_note).",
                 {"linux"}},
                {"ld_preload_techniques",
                 "string[]",
                 "What those hooks are for, in this order: process_hiding, file_hiding (files "
                 "and sockets), backdoor, credential_theft, exec_hook, anti_forensics, "
                 "login_hiding. Null with ld_preload_hooks.",
                 {"linux"}},
                {"ld_preload_hooks_note",
                 "string",
                 "Why ld_preload_hooks is null or partial, per library (prefixed with its name "
                 "when LD_PRELOAD names several): not an absolute path, a $LIB-style token, "
                 "missing, denied, not a regular file, larger than 64 MiB, not ELF, neither a "
                 ".dynsym section nor a dynamic segment that can be read. Null when every "
                 "library was read whole.",
                 {"linux"}},
                {"ld_library_path",
                 "string",
                 "LD_LIBRARY_PATH from the process environment.",
                 {"linux"}},
                {"ld_audit", "string", "LD_AUDIT from the process environment.", {"linux"}},
                {"environment", "object",
                 "Full environment, only with --include-environment "
                 "(may hold secrets)."},
                {"escaped_fields", "string[]",
                 "Fields whose text was not valid UTF-8 and was "
                 "escaped (\\xHH bytes, \\\\ for backslash)."},
            },
            "exe_", "the executable")};
    return spec;
}

}  // namespace irsnap::collectors
