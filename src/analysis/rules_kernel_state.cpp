// SPDX-License-Identifier: Apache-2.0
// Kernel state a rootkit changes or leaves traces in (kernel_state records) and the programs the
// kernel itself runs (autoruns records of categories core_pattern, kernel_modprobe,
// uevent_helper, binfmt_misc).
#include <algorithm>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

bool is_setting(const Record& r, std::string_view name) {
    return text_of(r.value, "kind") == "setting" && text_of(r.value, "name") == name;
}

bool has_flag(const nlohmann::json& r, std::string_view flag) {
    if (!r.contains("flags") || !r["flags"].is_array()) return false;
    return std::any_of(r["flags"].begin(), r["flags"].end(),
                       [&](const nlohmann::json& f) { return f.is_string() && f == flag; });
}

std::string last_component(std::string_view path) {
    const size_t slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

/// A path with a component starting with '.': hidden from ls, a favourite of droppers.
bool is_hidden_path(std::string_view path) {
    return path.find("/.") != std::string_view::npos;
}

/// The program an autorun runs: its resolved target, else the first word of its command.
std::string program_of(const nlohmann::json& a) {
    std::string program = text_of(a, "target_path");
    if (program.empty()) {
        const std::string command = text_of(a, "command");
        program = command.substr(0, command.find(' '));
    }
    return program;
}

void log_marker(const Rule& self, const Record& r, FindingSink& out, std::string_view flag,
                std::string_view what) {
    if (text_of(r.value, "kind") != "log" || !has_flag(r.value, flag)) return;
    out.add(
        self.finding(fmt::format("kernel log at {} (seq {}): {}: {}", text_of(r.value, "time"),
                                 number_text(r.value, "seq"), what, text_of(r.value, "message")),
                     {r.evidence(pick(r.value, {"seq", "time", "message", "flags"}))}));
}

void unsigned_module_logged(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    log_marker(self, r, out, "module_verification_failed", "an unsigned module was loaded");
}

void bpf_write_user_logged(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    log_marker(self, r, out, "bpf_probe_write_user",
               "a BPF program that writes user memory was loaded");
}

/// Core dump handlers distributions install, by program name, in a system directory.
bool known_core_handler(std::string_view program) {
    static constexpr std::string_view k_names[] = {"systemd-coredump",
                                                   "apport",
                                                   "abrt-hook-ccpp",
                                                   "crash_reporter",
                                                   "wsl-capture-crash",
                                                   "kdumpctl",
                                                   "rhel-coredump-helper",
                                                   "false",
                                                   "true"};
    static constexpr std::string_view k_dirs[] = {"/usr/lib/",     "/lib/",      "/usr/share/",
                                                  "/usr/libexec/", "/usr/sbin/", "/usr/bin/",
                                                  "/sbin/",        "/bin/"};
    const std::string name = last_component(program);
    const bool known_name =
        std::find(std::begin(k_names), std::end(k_names), name) != std::end(k_names);
    const bool system_dir = std::any_of(std::begin(k_dirs), std::end(k_dirs),
                                        [&](auto d) { return program.substr(0, d.size()) == d; });
    return known_name && system_dir && !is_hidden_path(program);
}

void core_pattern_pipe(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& a = r.value;
    if (text_of(a, "category") != "core_pattern") return;
    const std::string program = program_of(a);
    if (known_core_handler(program)) return;
    const bool temporary = is_temporary_place(program) || is_hidden_path(program);
    Finding f = self.finding(
        fmt::format("every crash pipes its core dump, as root, to '{}'{}", text_of(a, "command"),
                    temporary ? " from a temporary or hidden place"
                              : ", which is no known core dump handler"),
        {r.evidence(autorun_fields(a))});
    out.add(std::move(f));
}

void binfmt_interpreter(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& a = r.value;
    if (text_of(a, "category") != "binfmt_misc") return;
    const std::string program = program_of(a);
    const std::string name =
        a.contains("details") && a["details"].is_object() ? text_of(a["details"], "name") : "";
    if (is_temporary_place(program) || is_hidden_path(program)) {
        out.add(self.finding(fmt::format("binfmt_misc entry '{}' runs '{}' from a temporary or "
                                         "hidden place for every matching file executed",
                                         name, program),
                             {r.evidence(autorun_fields(a))}));
        return;
    }
    // Elsewhere it is listed only when no package installed the interpreter (qemu-user and
    // wine are packaged).
    if (text_of(a, "target_package_verdict") != "unowned") return;
    Finding f = self.finding(fmt::format("binfmt_misc entry '{}' runs '{}', which no package "
                                         "installed",
                                         name, program),
                             {r.evidence(autorun_fields(a))});
    f.urgency = Urgency::medium;
    f.confidence = Confidence::low;
    out.add(std::move(f));
}

void kernel_helper(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& a = r.value;
    const std::string category = text_of(a, "category");
    const std::string command = text_of(a, "command");
    if (category == "kernel_modprobe") {
        if (command == "/sbin/modprobe" || command == "/usr/sbin/modprobe") return;
        out.add(self.finding(
            fmt::format("kernel.modprobe is '{}': the kernel runs it as root whenever it wants "
                        "a module (the default is /sbin/modprobe)",
                        command),
            {r.evidence(autorun_fields(a))}));
    } else if (category == "uevent_helper") {
        out.add(self.finding(
            fmt::format("{} is '{}': the kernel runs it as root on every device event (udev "
                        "made it obsolete; it is normally empty)",
                        text_of(a, "source_path"), command),
            {r.evidence(autorun_fields(a))}));
    }
}

void hardening_off(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const bool bpf = is_setting(r, "kernel.unprivileged_bpf_disabled");
    const bool kptr = is_setting(r, "kernel.kptr_restrict");
    if ((!bpf && !kptr) || number_of(r.value, "value_int", -1) != 0) return;
    out.add(self.finding(fmt::format("{} is 0: {}", text_of(r.value, "name"),
                                     bpf ? "any user may load BPF programs"
                                         : "kernel addresses are shown to every user"),
                         {r.evidence(pick(r.value, {"name", "value", "path"}))}));
}

/// The kernel functions hiding rootkits hook: system call entries, directory and /proc
/// listing, the socket tables' show functions.
bool hooked_to_hide(std::string_view function) {
    for (std::string_view prefix :
         {"__x64_sys_", "__ia32_sys_", "__arm64_sys_", "__se_sys_", "__do_sys_", "ksys_", "sys_"}) {
        if (function.starts_with(prefix)) return true;
    }
    for (std::string_view name :
         {"filldir", "filldir64", "iterate_dir", "proc_pid_readdir", "proc_root_readdir",
          "tcp4_seq_show", "tcp6_seq_show", "udp4_seq_show", "udp6_seq_show", "inet_diag_dump",
          "packet_rcv", "tpacket_rcv", "m_show", "find_task_by_vpid", "do_sys_openat2", "vfs_read",
          "kill_pid_info"}) {
        if (function == name) return true;
    }
    return false;
}

void module_ftrace_hook(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "kind") != "ftrace_hook") return;
    const auto modules = r.value.find("modules");
    if (modules == r.value.end() || !modules->is_array() || modules->empty()) return;
    std::string names;
    for (const auto& m : *modules) {
        if (!m.is_string()) continue;
        if (!names.empty()) names += ", ";
        names += m.get<std::string>();
    }
    const std::string function = text_of(r.value, "name");
    Finding f = self.finding(
        fmt::format("ftrace hook on {} by module {}", function, names),
        {r.evidence(pick(r.value, {"name", "hook_flags", "callbacks", "modules", "path"}))});
    if (!hooked_to_hide(function)) {
        // Live patches and some drivers hook other kernel functions through ftrace.
        f.urgency = Urgency::medium;
        f.confidence = Confidence::low;
    }
    out.add(std::move(f));
}

constexpr Rule k_kernel_state_rules[] = {
    {"IRS-KST-002", "Kernel log: unsigned module loaded", Urgency::high, Confidence::medium,
     "T1547.006", "kernel_state",
     "'module verification failed' is what the kernel prints when a module without a valid "
     "signature loads: the first trace of most loadable kernel module rootkits, kept in the "
     "log after the module hides from /proc/modules.",
     per_record<unsigned_module_logged>},
    {"IRS-KST-003", "Kernel log: BPF program writes user memory", Urgency::critical,
     Confidence::medium, "T1014", "kernel_state",
     "The kernel warns when a BPF program using bpf_probe_write_user is loaded. The helper lets "
     "BPF rewrite the memory of running processes, which BPF rootkits use to hide and to "
     "tamper with what sshd, sudo or cron read; debugging tools almost never need it.",
     per_record<bpf_write_user_logged>},
    {"IRS-KST-004", "Core dumps piped to an unknown program", Urgency::high, Confidence::medium,
     "T1546", "autoruns",
     "With kernel.core_pattern starting with '|' the kernel runs that program as root on every "
     "crash, and an intruder can crash a process at will. Distributions pipe to "
     "systemd-coredump, apport or abrt in a system directory; anything else, and above all a "
     "program in a temporary or hidden place, is a root backdoor.",
     per_record<core_pattern_pipe>},
    {"IRS-KST-005", "binfmt_misc interpreter in a temporary or hidden place", Urgency::critical,
     Confidence::high, "T1546", "autoruns",
     "A binfmt_misc entry makes the kernel run its interpreter for every executed file that "
     "matches its magic or extension (with flag C, with that file's privileges): qemu-user and "
     "wine register packaged interpreters; one in /tmp, /var/tmp, /dev/shm or a hidden path is "
     "persistence. An interpreter no package installed is listed at medium.",
     per_record<binfmt_interpreter>},
    {"IRS-KST-006", "Kernel runs a non-standard modprobe or a uevent helper", Urgency::high,
     Confidence::medium, "T1547.006", "autoruns",
     "kernel.modprobe is run as root whenever the kernel requests a module, and the uevent "
     "helper on every device event; both can be set from /proc/sys by root without a file in "
     "/etc. The defaults are /sbin/modprobe (or /usr/sbin/modprobe) and an empty helper.",
     per_record<kernel_helper>},
    {"IRS-KST-007", "Kernel hardening switched off", Urgency::low, Confidence::low, "T1562",
     "kernel_state",
     "kernel.unprivileged_bpf_disabled = 0 lets any user load BPF programs, and "
     "kernel.kptr_restrict = 0 shows kernel addresses to every user: both ease a local "
     "privilege escalation. Some distributions ship them so; listed for context.",
     per_record<hardening_off>},
    {"IRS-KST-008", "Module hooks a system call or listing function through ftrace",
     Urgency::critical, Confidence::high, "T1014", "kernel_state",
     "A module's callback on a system call entry or a listing function (getdents64, filldir, "
     "the /proc and socket-table show functions) through ftrace is how Diamorphine-style "
     "rootkits hide processes, files and sockets. The kernel names the callback's module in "
     "enabled_functions even after the module left the module list, sysfs and the symbol "
     "table. A module hook on any other function (a live patch) is listed at medium.",
     per_record<module_ftrace_hook>},
};

}  // namespace

std::span<const Rule> kernel_state_rules() {
    return k_kernel_state_rules;
}

}  // namespace irsnap::triage
