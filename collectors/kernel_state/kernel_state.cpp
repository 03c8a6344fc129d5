// SPDX-License-Identifier: Apache-2.0
#include "kernel_state.hpp"

namespace irsnap::collectors {

const CollectorSpec& kernel_state_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const CollectorSpec spec{
        .name = "kernel_state",
        .description =
            "Kernel state that changes at run time and that rootkits touch. Three record kinds: "
            "'setting' for each security sysctl (kptr_restrict, dmesg_restrict, "
            "modules_disabled, unprivileged_bpf_disabled, ptrace_scope, kexec_load_disabled, "
            "perf_event_paranoid, randomize_va_space, sysrq, bpf_jit_enable, bpf_jit_harden), "
            "the taint mask decoded, and the lockdown mode; 'ftrace_hook', one per kernel "
            "function ftrace has a hook on, with the hooks' callbacks and modules (tracefs "
            "enabled_functions); then 'log', one per record of the kernel log ring buffer "
            "(/dev/kmsg, read without consuming it), with markers for lines that loading "
            "foreign code or BPF hooks leave.",
        .volatility_rank = 57,
        .why =
            "RFC 3227 kernel state: sysctls can be flipped back and the log ring buffer is "
            "overwritten as the kernel logs, more volatile than files; read right after the "
            "kernel modules it accounts for.",
        .platforms = {"linux"},
        .privileges =
            "root (CAP_SYSLOG) to read /dev/kmsg when kernel.dmesg_restrict is 1 (and "
            "/sys/kernel/security/lockdown, readable by root only on some kernels); root for "
            "tracefs (CAP_SYS_ADMIN for a private instance when the host mounted none)",
        .without_privileges =
            "degrades: the settings are read, the kernel log and the ftrace hooks are not (a "
            "coverage note says why)",
        .fields =
            {
                {"kind", "string", "Record kind: 'setting', 'ftrace_hook' or 'log'.", k_linux},
                {"name", "string",
                 "setting: the sysctl's name (e.g. 'kernel.kptr_restrict'), or "
                 "'security.lockdown'; ftrace_hook: the hooked kernel function.",
                 k_linux},
                {"path", "string",
                 "setting: the file read, as the host names it (/proc/sys/..., "
                 "/sys/kernel/security/lockdown), never prefixed with --root; ftrace_hook: the "
                 "enabled_functions file read, or a private tracefs instance when the host has "
                 "none mounted.",
                 k_linux},
                {"status", "string",
                 "setting: 'present', 'absent' (the kernel lacks the setting, or securityfs is "
                 "not mounted: not an error), 'denied' or 'error'.",
                 k_linux},
                {"value", "string",
                 "setting: the value as the kernel prints it (trailing newline dropped; tabs "
                 "between the fields of a multi-value sysctl kept); for security.lockdown the "
                 "bracketed (current) mode: none, integrity or confidentiality. Null unless "
                 "present.",
                 k_linux},
                {"value_int", "integer",
                 "setting: the value when it is one decimal integer; null otherwise.", k_linux},
                {"note", "string",
                 "setting: why it matters, and why the value is missing when it is.", k_linux},
                {"taint_flags", "object[]",
                 "kernel.tainted only: each set bit as bit, letter and meaning "
                 "(Documentation/admin-guide/tainted-kernels.rst: P, F, S, R, M, B, U, D, A, W, "
                 "C, I, O, E, L, K, X, T, N, J; '?' for a bit this build does not know).",
                 k_linux},
                {"lockdown_modes", "string[]",
                 "security.lockdown only: the modes the kernel lists.", k_linux},
                {"hook_count", "integer", "ftrace_hook: how many callbacks hook the function.",
                 k_linux},
                {"hook_flags", "string[]",
                 "ftrace_hook: R (saves registers), I (may change where the function returns: "
                 "what a hook that replaces a system call needs), D (direct call, BPF "
                 "trampolines), O, M.",
                 k_linux},
                {"callbacks", "string[]",
                 "ftrace_hook: the symbols the kernel names for the hook (trampoline, callback).",
                 k_linux},
                {"modules", "string[]",
                 "ftrace_hook: the modules those symbols belong to; the kernel names them even "
                 "for a module that left the module list and sysfs. Empty for the kernel's own "
                 "hooks (BPF trampolines, kprobes, function tracing).",
                 k_linux},
                {"seq", "integer", "log: the record's sequence number in the ring buffer.",
                 k_linux},
                {"facility", "integer", "log: syslog facility (0 kernel, 1 user ...).", k_linux},
                {"level", "integer", "log: syslog level (0 emerg ... 7 debug).", k_linux},
                {"monotonic_usec", "integer",
                 "log: when it was logged, in microseconds of the kernel's log clock since boot "
                 "(CLOCK_MONOTONIC's base: time spent suspended is not counted).",
                 k_linux},
                {"time", "string",
                 "log: monotonic_usec as UTC (RFC 3339), mapped through one reading of "
                 "CLOCK_MONOTONIC and CLOCK_REALTIME taken at the collector's start; off by the "
                 "time the host was suspended since the record, and by any wall clock step.",
                 k_linux},
                {"record_flag", "string",
                 "log: '-' a whole record, 'c' the start of a continued one, '+' a continuation.",
                 k_linux},
                {"message", "string",
                 "log: the message; the kernel writes non-printable bytes as \\xNN text, kept as "
                 "it wrote them.",
                 k_linux},
                {"properties", "object",
                 "log: the record's KEY=VALUE continuation lines (SUBSYSTEM, DEVICE ...); null "
                 "when none.",
                 k_linux},
                {"flags", "string[]",
                 "log: markers of lines rootkits leave: module_verification_failed (an unsigned "
                 "module loaded), taints_kernel, bpf_probe_write_user (a BPF program that writes "
                 "user memory), lockdown (a lockdown denial), bpf_trace_printk, "
                 "unprivileged_bpf; empty for most records.",
                 k_linux},
                {"escaped_fields", "string[]",
                 "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
                 "backslash).",
                 k_linux},
            },
        .details =
            "What is read, and what is left as it was:\n"
            "  setting  /proc/sys/<name, '.' as '/'> under the proc root, one small read each,\n"
            "           and /sys/kernel/security/lockdown under the host root. A missing file\n"
            "           is a record with status 'absent', not an error.\n"
            "  log      /dev/kmsg, only when the proc root is the live /proc and the name is\n"
            "           character device 1:11. Opened O_RDONLY|O_NONBLOCK; each read() returns\n"
            "           one record, from the oldest still in the ring buffer, and EAGAIN ends\n"
            "           the read at the newest. An open /dev/kmsg has its own position:\n"
            "           reading neither consumes nor clears the buffer, and journald, dmesg\n"
            "           and other readers keep their place. EPIPE (the ring wrapped past the\n"
            "           position) is counted in coverage and the read goes on. At most 100000\n"
            "           records and 64 MiB of message text; the rest is counted in coverage.\n"
            "  ftrace_hook  enabled_functions of tracefs where the host's mountinfo shows it\n"
            "           mounted, else of a private tracefs instance (fsopen + fsmount, attached\n"
            "           to no mount tree, closed after the read); never through\n"
            "           /sys/kernel/debug/tracing unmounted, which would automount it. Live\n"
            "           host only. Read, never written: no tracer is enabled or changed.\n"
            "Nothing on the host changes: no sysctl is written, the log is not cleared.\n",
    };
    return spec;
}

}  // namespace irsnap::collectors
