// SPDX-License-Identifier: Apache-2.0
#include "hidden_processes.hpp"

namespace irsnap::collectors {

const CollectorSpec& hidden_processes_spec() {
    static const CollectorSpec spec{
        .name = "hidden_processes",
        .description =
            "Processes hidden from /proc: every pid below pid_max (or --pid-max) is probed with "
            "getpgid() and compared with the /proc listing (processes and their task/ threads); "
            "hits are confirmed with kill(pid, 0), getsid(), the /proc/PID directory and its "
            "status, and the listing is read again so a process born during the probe is not "
            "reported. Mounts over /proc, /proc/PID or anything below /proc are reported from "
            "mountinfo. One 'scan' record first (range, counts, timing), then one record per "
            "finding; no findings is the normal result. See docs/hidden-processes.md. Windows: "
            "the process list (NtQuerySystemInformation) against OpenProcess on every pid (step "
            "4) up to the highest listed pid plus 65536; a terminated process still referenced "
            "by a handle opens but is counted, not reported.",
        .volatility_rank = 32,
        .why =
            "RFC 3227 process table, second view: right after processes (rank 30) so both see "
            "the same processes, before handles and modules take longer walks.",
        .platforms = {"linux", "windows"},
        .privileges =
            "none for the probe and the mount check; root (CAP_SYS_PTRACE) where /proc is "
            "mounted with hidepid, which hides other users' processes from the listing",
        .without_privileges =
            "degrades: under hidepid, an unlisted pid that our kill(pid, 0) may not signal and "
            "whose /proc directory is invisible is counted in coverage, not reported",
        .fields = {
            {"kind", "string",
             "'scan' (one summary record), or a finding: 'unlisted_pid' (answers system calls, "
             "not in the listing), 'listed_pid_not_answering' (listed, but getpgid and kill say "
             "no such process), 'proc_dir_covered_by_mount' (a mount at /proc/PID or below), "
             "'proc_covered_by_mount' (a non-procfs or stacked procfs mount at /proc itself), "
             "'proc_entry_covered_by_mount' (a mount over another /proc entry), "
             "'listed_pid_not_in_kernel_tasks' (listed, but the kernel's task list read "
             "through iter/task lacks it: a /proc entry no task backs, or a protected process)."},
            {"pid", "integer",
             "The pid found (null for a mount that is not over a process directory)."},
            {"tgid",
             "integer",
             "Tgid: from /proc/PID/status; differs from pid for a thread. Null when unreadable.",
             {"linux"}},
            {"name", "string",
             "Name: from /proc/PID/status (comm, 15 bytes, settable by the process); Windows: the "
             "image path (QueryFullProcessImageNameW). Null when unreadable."},
            {"name_trusted",
             "boolean",
             "False when name and tgid were read through a mount covering /proc/PID: they may "
             "be forged by whoever placed the mount.",
             {"linux"}},
            {"answered", "string[]",
             "Confirmation probes that answered for this pid: getpgid, kill (signal 0: nothing "
             "is sent; EPERM counts as alive), getsid, proc_dir (/proc/PID exists), proc_status "
             "(/proc/PID/status readable). Windows: OpenProcess (access denied counts as alive)."},
            {"not_answered", "string[]", "Confirmation probes that did not answer."},
            {"mount_id", "integer", "Mount id (mountinfo) of the covering mount.", {"linux"}},
            {"mount_point", "string", "Where the covering mount sits.", {"linux"}},
            {"mount_root",
             "string",
             "Root of the covering mount within its file system (the bind source's path).",
             {"linux"}},
            {"mount_fstype", "string", "File system type of the covering mount.", {"linux"}},
            {"mount_source", "string", "Source of the covering mount (device or name).", {"linux"}},
            {"why", "string", "Why this is a finding, in words."},
            {"probe_ran", "boolean",
             "scan: the pid range was probed. False when the proc root is not the procfs of "
             "irsnap's own pid namespace (a fixture tree, an image, another namespace's /proc): "
             "then only mounts are checked."},
            {"first_probe", "string",
             "scan: the system call of the pass over the whole range ('getpgid'; Windows "
             "'OpenProcess')."},
            {"kernel_pid_max", "integer", "scan: /proc/sys/kernel/pid_max.", {"linux"}},
            {"range_first", "integer", "scan: first pid probed (1; Windows 4)."},
            {"range_last", "integer",
             "scan: last pid probed: --pid-max minus one, else the larger of pid_max minus one "
             "and the highest listed pid."},
            {"pids_answering", "integer",
             "scan: pids the first pass saw alive (processes and threads)."},
            {"listed_processes", "integer", "scan: numeric entries of /proc."},
            {"listed_threads",
             "integer",
             "scan: task/ entries of listed processes that are not the group leader.",
             {"linux"}},
            {"candidates", "integer",
             "scan: pids the first pass and the first listing disagreed on, before "
             "confirmation."},
            {"races", "integer",
             "scan: candidates explained by a process born or gone during the probe."},
            {"threads_of_listed",
             "integer",
             "scan: candidates that are threads of a listed process, started after its task/ "
             "was read.",
             {"linux"}},
            {"hidepid_explained",
             "integer",
             "scan: candidates invisible to this user because /proc has hidepid (coverage).",
             {"linux"}},
            {"findings", "integer", "scan: records that follow."},
            {"hidepid",
             "string",
             "scan: hidepid option of the proc mount ('' when none, null when unknown).",
             {"linux"}},
            {"probe_seconds", "number", "scan: time of the first pass over the range."},
            {"exited_but_referenced",
             "integer",
             "scan: pids that opened but whose process has exited (a handle somewhere still "
             "references it); not findings.",
             {"windows"}},
            {"duration_seconds", "number", "scan: time of the whole collector."},
            {"debug_unlisted_pids",
             "integer[]",
             "scan: only in test runs (--debug-unlist-pid): pids removed from the listing to "
             "simulate a hiding rootkit; null otherwise.",
             {"linux"}},
            {"seen_in",
             "string[]",
             "Views that show this pid: proc (the /proc listing), probe (the system calls), "
             "iter/task (the kernel's own task list, read through a BPF iterator; see "
             "docs/kernel-views.md).",
             {"linux"}},
            {"missing_from", "string[]", "Views that do not show this pid.", {"linux"}},
            {"kernel_comm",
             "string",
             "The process's name (comm) in the kernel's task list: the kernel's word, not read "
             "through /proc. Null when iter/task was not read or lacks the pid.",
             {"linux"}},
            {"kernel_ppid",
             "integer",
             "Parent process id from the kernel's task list (0: outside irsnap's pid namespace).",
             {"linux"}},
            {"kernel_uid", "integer", "Real uid from the kernel's task list.", {"linux"}},
            {"kernel_thread",
             "boolean",
             "The kernel's task list marks it a kernel thread (PF_KTHREAD).",
             {"linux"}},
            {"views",
             "string[]",
             "scan: the views compared: proc, probe, and iter/task when the kernel's task list "
             "was read.",
             {"linux"}},
            {"kernel_processes",
             "integer",
             "scan: processes (thread-group leaders) in the kernel's task list, null when it "
             "was not read.",
             {"linux"}},
            {"kernel_view",
             "string",
             "scan: 'read', or 'not read: ' and why (--no-bpf, no BTF, not root, the kernel "
             "refused the program).",
             {"linux"}},
            {"escaped_fields",
             "string[]",
             "Fields whose bytes were not valid UTF-8 and were escaped (\\xHH).",
             {"linux"}},
        }};
    return spec;
}

}  // namespace irsnap::collectors
