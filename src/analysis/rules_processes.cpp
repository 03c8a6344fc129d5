// SPDX-License-Identifier: Apache-2.0
// What a process's own record gives away: where its program lives, what it calls itself, and
// what it asked the dynamic linker to load.
#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

nlohmann::json process_fields(const nlohmann::json& p) {
    return pick(p, {"pid", "ppid", "name", "exe_path", "user", "exe_sha256"});
}

std::string_view basename_of(std::string_view path) {
    const size_t slash = path.find_last_of("/\\");
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string argv_at(const nlohmann::json& p, size_t i) {
    if (!p.contains("argv") || !p["argv"].is_array() || p["argv"].size() <= i) return {};
    return p["argv"][i].is_string() ? p["argv"][i].get<std::string>() : std::string();
}

/// "pid N (name) <what>", with the process record as evidence.
void add_process_finding(const Rule& self, const Record& r, FindingSink& out,
                         const std::string& what) {
    out.add(self.finding(
        fmt::format("pid {} ({}) {}", number_text(r.value, "pid"), text_of(r.value, "name"), what),
        {r.evidence(process_fields(r.value))}));
}

void deleted_executable(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (!flag_of(r.value, "exe_deleted") || flag_of(r.value, "exe_memfd")) return;
    add_process_finding(
        self, r, out, "runs " + text_of(r.value, "exe_path") + ", which no longer exists on disk");
}

void memfd_executable(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (!flag_of(r.value, "exe_memfd")) return;
    add_process_finding(
        self, r, out,
        "runs " + text_of(r.value, "exe_path") + ": a program that exists only in memory");
}

void executable_in_temporary_place(const Rule& self, std::string_view, const Record& r,
                                   FindingSink& out) {
    const std::string exe = text_of(r.value, "exe_path");
    if (!is_temporary_place(exe)) return;
    add_process_finding(self, r, out, "runs " + exe + " from a temporary, world-writable place");
}

/// Names of kernel threads (or their prefixes) that malware borrows, so a user-space program
/// hides among them in `ps`.
bool looks_like_kernel_thread(std::string_view name) {
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') return true;
    for (std::string_view prefix :
         {"kworker",   "ksoftirqd", "kthreadd",  "migration/", "rcu_",       "watchdog/",
          "kswapd",    "jbd2/",     "irq/",      "kdevtmpfs",  "khugepaged", "oom_reaper",
          "kblockd",   "cpuhp/",    "kcompactd", "ksmd",       "kauditd",    "kintegrityd",
          "writeback", "scsi_eh_",  "xfsaild"}) {
        if (name.substr(0, prefix.size()) == prefix) return true;
    }
    return false;
}

bool is_user_space(const nlohmann::json& p) {
    return !flag_of(p, "kernel_thread") &&
           (!text_of(p, "exe_path").empty() || !argv_at(p, 0).empty());
}

void kernel_thread_name(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (!is_user_space(r.value)) return;
    const std::string name = text_of(r.value, "name");
    const std::string argv0 = argv_at(r.value, 0);
    const bool by_name = looks_like_kernel_thread(name);
    const bool by_argv = looks_like_kernel_thread(argv0);
    if (!by_name && !by_argv) return;
    out.add(self.finding(
        fmt::format("pid {} calls itself '{}' like a kernel thread, but runs {}",
                    number_text(r.value, "pid"), by_argv ? argv0 : name,
                    text_of(r.value, "exe_path").empty() ? "a user-space program"
                                                         : text_of(r.value, "exe_path")),
        {r.evidence(pick(r.value, {"pid", "ppid", "name", "argv", "exe_path", "user"}))}));
}

/// comm is the program's file name cut to 15 bytes unless the process renamed itself; a
/// script's comm is the script's name (argv[1] of its interpreter).
bool name_matches(std::string_view name, std::string_view candidate) {
    if (name.empty() || candidate.empty()) return false;
    return candidate.substr(0, name.size()) == name ||
           name.substr(0, candidate.size()) == candidate;
}

void name_differs_from_executable(const Rule& self, std::string_view, const Record& r,
                                  FindingSink& out) {
    const std::string exe = text_of(r.value, "exe_path");
    const std::string name = text_of(r.value, "name");
    if (exe.empty() || name.empty() || !is_user_space(r.value)) return;
    if (looks_like_kernel_thread(name) || looks_like_kernel_thread(argv_at(r.value, 0))) {
        return;  // IRS-EXE-004 reports these, louder
    }
    const std::string argv0 = argv_at(r.value, 0);
    const std::string argv1 = argv_at(r.value, 1);
    // argv[0] is as forgeable as comm: it excuses a mismatch only for multi-call binaries,
    // whose applet name is argv[0] by design.
    const std::string_view program = basename_of(exe);
    const bool multi_call = program == "busybox" || program == "toybox";
    if (name_matches(name, program) || name_matches(name, basename_of(argv1)) ||
        (multi_call && name_matches(name, basename_of(argv0)))) {
        return;
    }
    out.add(self.finding(
        fmt::format("pid {} is named '{}' but runs {}", number_text(r.value, "pid"), name, exe),
        {r.evidence(pick(r.value, {"pid", "name", "argv", "exe_path", "user"}))}));
}

void dynamic_linker_variables(const Rule& self, std::string_view, const Record& r,
                              FindingSink& out) {
    const std::string preload = text_of(r.value, "ld_preload");
    const std::string audit = text_of(r.value, "ld_audit");
    if (preload.empty() && audit.empty()) return;
    std::string what = preload.empty() ? "" : "LD_PRELOAD=" + preload;
    if (!audit.empty()) what += (what.empty() ? "" : ", ") + ("LD_AUDIT=" + audit);
    Finding f = self.finding(
        fmt::format("pid {} ({}) has {} in its environment", number_text(r.value, "pid"),
                    text_of(r.value, "name"), what),
        {r.evidence(pick(r.value, {"pid", "name", "exe_path", "ld_preload", "ld_audit"}))});
    if (is_temporary_place(preload) || is_temporary_place(audit)) {
        f.urgency = Urgency::critical;
        f.why += " (a library in a temporary place)";
    }
    out.add(std::move(f));
}

constexpr Rule k_processes_rules[] = {
    {"IRS-EXE-001", "Process runs a deleted executable", Urgency::high, Confidence::medium,
     "T1070.004", "processes",
     "Droppers delete their program after starting it so no file is left to find. A package "
     "upgrade leaves the same trace for daemons not yet restarted, hence medium confidence: "
     "compare exe_sha256 with the package's file.",
     per_record<deleted_executable>},
    {"IRS-EXE-002", "Process runs from a memfd (fileless)", Urgency::critical, Confidence::high,
     "T1620", "processes",
     "A program executed from memfd_create memory never touches the disk: the classic fileless "
     "loader. irsnap hashed it through /proc/PID/exe, so the digest is the only copy.",
     per_record<memfd_executable>},
    {"IRS-EXE-003", "Process runs from a temporary place", Urgency::high, Confidence::medium, "",
     "processes",
     "/tmp, /var/tmp, /dev/shm (and %TEMP%, AppData, Downloads on Windows) are writable by every "
     "user; programs installed by a package never run from there, dropped payloads do.",
     per_record<executable_in_temporary_place>},
    {"IRS-EXE-004", "User-space process named like a kernel thread", Urgency::high,
     Confidence::high, "T1036.005", "processes",
     "Kernel threads have no executable and no command line. A user-space program calling itself "
     "[kworker/0:1] or ksoftirqd hides among them in ps output: coin miners and backdoors do.",
     per_record<kernel_thread_name>},
    {"IRS-EXE-005", "Process name differs from its executable", Urgency::low, Confidence::low,
     "T1036.005", "processes",
     "The short name (comm) is the executable's file name unless the process renamed itself. "
     "Browsers and daemons rename worker processes legitimately, so this is a hint to read "
     "alongside other findings, not a verdict.",
     per_record<name_differs_from_executable>},
    {"IRS-ENV-001", "LD_PRELOAD or LD_AUDIT in a process environment", Urgency::high,
     Confidence::high, "T1574.006", "processes",
     "Both make the dynamic linker load a library into the process before its own code: the "
     "usual way user-space rootkits hook readdir, open and connect.",
     per_record<dynamic_linker_variables>},
};

}  // namespace

std::span<const Rule> process_rules() {
    return k_processes_rules;
}

}  // namespace irsnap::triage
