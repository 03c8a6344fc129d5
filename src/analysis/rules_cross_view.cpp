// SPDX-License-Identifier: Apache-2.0
// Cross-view discrepancies: the same kernel object seen by one interface and not by another.
// A rootkit hooks one view (getdents on /proc, /proc/net/tcp's seq_file, the module list); the
// collectors read two views and record the difference, and these rules surface it.
#include <algorithm>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

void hidden_process(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const std::string kind = text_of(r.value, "kind");
    if (kind.empty() || kind == "scan") return;
    Finding f = self.finding(
        text_of(r.value, "why"),
        {r.evidence(pick(r.value, {"kind", "pid", "tgid", "name", "kernel_comm", "seen_in",
                                   "missing_from", "mount_point", "mount_source"}))});
    if (f.why.empty()) f.why = kind;
    if (kind == "listed_pid_not_answering") {
        // Listed but dead: a race the collector could not rule out, or a forged entry.
        f.urgency = Urgency::medium;
        f.confidence = Confidence::low;
    } else if (kind == "listed_pid_not_in_kernel_tasks") {
        // On a real host this is a protected process (an LSM hides it from BPF iterators) far
        // more often than a forged /proc entry: listed, to be explained, not raised.
        f.urgency = Urgency::low;
        f.confidence = Confidence::low;
    } else if (kind == "proc_entry_covered_by_mount") {
        f.urgency = Urgency::high;
        f.confidence = Confidence::medium;
    }
    out.add(std::move(f));
}

/// Whether every view that saw the socket is a kernel iterator (iter/tcp, iter/udp, iter/unix):
/// hidden from both netlink and /proc/net, IRS-NET-005's case rather than IRS-HID-002's.
bool only_kernel_views(const nlohmann::json& record) {
    auto views = record.find("views");
    if (views == record.end() || !views->is_array() || views->empty()) return false;
    for (const auto& v : *views) {
        if (!v.is_string() || v.get_ref<const std::string&>().rfind("iter/", 0) != 0) {
            return false;
        }
    }
    return true;
}

/// Whether one of the record's views starts with `prefix` ("iter/": a kernel socket table).
bool has_view(const nlohmann::json& record, std::string_view prefix) {
    auto views = record.find("views");
    if (views == record.end() || !views->is_array()) return false;
    return std::any_of(views->begin(), views->end(), [&](const nlohmann::json& v) {
        return v.is_string() && v.get_ref<const std::string&>().rfind(prefix, 0) == 0;
    });
}

std::string socket_summary(const Record& r) {
    return fmt::format("{} {}:{} -> {}:{} {}: {}", text_of(r.value, "protocol"),
                       text_of(r.value, "local_address"), number_text(r.value, "local_port"),
                       text_of(r.value, "remote_address"), number_text(r.value, "remote_port"),
                       text_of(r.value, "state"), text_of(r.value, "discrepancy"));
}

Evidence socket_evidence(const Record& r) {
    return r.evidence(pick(r.value, {"protocol", "local_address", "local_port", "remote_address",
                                     "remote_port", "state", "inode", "discrepancy", "owners"}));
}

void socket_cross_view(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (!flag_of(r.value, "cross_view_discrepancy") || only_kernel_views(r.value)) return;
    Finding f = self.finding(socket_summary(r), {socket_evidence(r)});
    if (text_of(r.value, "discrepancy").rfind("missing from the kernel's socket table", 0) == 0) {
        // Listed by /proc/net but not by the BPF iterator: far more often an LSM that keeps a
        // socket from iterators than a forged row (as listed_pid_not_in_kernel_tasks).
        f.urgency = Urgency::low;
        f.confidence = Confidence::low;
    } else if (text_of(r.value, "state") == "LISTEN" &&
               text_of(r.value, "discrepancy").rfind("hidden from /proc/net", 0) == 0) {
        // A listener netstat cannot see is a backdoor waiting for its operator (the classic
        // tcp4_seq_show hook); with the kernel's own table agreeing with netlink, no race.
        f.urgency = Urgency::critical;
        if (has_view(r.value, "iter/")) f.confidence = Confidence::high;
    }
    out.add(std::move(f));
}

void socket_only_in_kernel(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (!flag_of(r.value, "cross_view_discrepancy") || !only_kernel_views(r.value)) return;
    Finding f = self.finding(socket_summary(r), {socket_evidence(r)});
    // A listener hidden from ss and netstat is a backdoor waiting for its operator; another
    // hidden socket (an established one, a unix socket) is raised high.
    if (text_of(r.value, "state") != "LISTEN") f.urgency = Urgency::high;
    out.add(std::move(f));
}

void kernel_module_cross_view(const Rule& self, std::string_view, const Record& r,
                              FindingSink& out) {
    if (!flag_of(r.value, "cross_view_discrepancy")) return;
    out.add(self.finding(
        fmt::format("module {}: {}", text_of(r.value, "name"), text_of(r.value, "discrepancy")),
        {r.evidence(pick(r.value, {"name", "in_proc_modules", "in_sys_module", "in_kernel_symbols",
                                   "taint", "discrepancy", "file_path"}))}));
}

void network_config_cross_view(const Rule& self, std::string_view collector, const Record& r,
                               FindingSink& out) {
    if (!flag_of(r.value, "cross_view_discrepancy")) return;
    out.add(self.finding(fmt::format("{} record: {}", collector, text_of(r.value, "discrepancy")),
                         {r.evidence(pick(r.value, {"name", "index", "destination", "gateway",
                                                    "address", "interface", "discrepancy"}))}));
}

constexpr Rule k_cross_view_rules[] = {
    {"IRS-HID-001", "Process hidden from the /proc listing", Urgency::critical, Confidence::high,
     "T1014", "hidden_processes",
     "A pid that answers system calls (getpgid, kill 0, /proc/PID) or that the kernel's own "
     "task list holds (iter/task) but is missing from the /proc directory listing, or a "
     "/proc/PID covered by a mount, is what user-space, eBPF and kernel rootkits do to hide a "
     "process from ps and top.",
     per_record<hidden_process>},
    {"IRS-HID-002", "Socket seen by one view only", Urgency::high, Confidence::medium, "T1014",
     "network",
     "The collector reads sockets through netlink sock_diag and /proc/net, re-checking before it "
     "records a difference. A socket present in one and absent from the other, steadily, is what "
     "a rootkit hooking one interface leaves behind. A listening socket hidden from /proc/net "
     "(netstat, ss reading /proc) is raised critical: a backdoor waiting for its operator.",
     per_record<socket_cross_view>},
    {"IRS-HID-003", "Kernel module seen by one view only", Urgency::critical, Confidence::high,
     "T1014", "kernel_modules",
     "A module in /sys/module or the kernel's symbol table (iter/ksym) but not in /proc/modules "
     "(or the reverse) after a re-check: kernel rootkits unlink themselves from the module list "
     "and often stay in sysfs, or filter the list's reads.",
     per_record<kernel_module_cross_view>},
    {"IRS-HID-004", "Interface, route or neighbour seen by one view only", Urgency::medium,
     Confidence::low, "T1014", "interfaces,routes,neighbors",
     "Network configuration read through rtnetlink and /proc disagrees: a hooked view can hide a "
     "tunnel interface or a route; short-lived entries can also race, hence low confidence.",
     per_record<network_config_cross_view>},
    {"IRS-NET-005", "Socket only the kernel's own socket tables hold", Urgency::critical,
     Confidence::high, "T1014", "network",
     "The kernel's socket hash tables, read through BPF iterators (iter/tcp, iter/udp, "
     "iter/unix) before and after netlink and /proc/net, list a socket neither of those shows: "
     "what a rootkit hooking both the /proc/net seq files and the sock_diag dump leaves behind. "
     "Critical for a listening socket, high otherwise.",
     per_record<socket_only_in_kernel>},
};

}  // namespace

std::span<const Rule> cross_view_rules() {
    return k_cross_view_rules;
}

}  // namespace irsnap::triage
