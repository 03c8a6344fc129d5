// SPDX-License-Identifier: Apache-2.0
// eBPF and classic BPF as implants: programs hooking the calls a rootkit rewrites, helpers that
// change what other processes see, packet filters listening for a magic packet.
#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

/// Where a hook hides processes, files or sockets, or guards itself: the system calls a
/// rootkit filters (getdents to hide /proc entries, kill and bpf to protect itself, read to
/// rewrite what a file shows) and the kernel functions behind /proc listings and socket
/// tables. `point` is a tracepoint (sys_exit_getdents64), a traced function
/// (__x64_sys_getdents64, proc_pid_readdir) or a raw tracepoint.
bool hides_things(std::string_view point) {
    static constexpr std::string_view k_calls[] = {"getdents", "getdents64", "kill",  "bpf",
                                                   "read",     "pread64",    "readv", "tgkill"};
    for (std::string_view prefix : {"sys_enter_", "sys_exit_", "__x64_sys_", "__arm64_sys_",
                                    "__ia32_sys_", "__se_sys_", "__do_sys_", "ksys_", "sys_"}) {
        if (point.substr(0, prefix.size()) != prefix) continue;
        const std::string_view call = point.substr(prefix.size());
        for (std::string_view c : k_calls) {
            if (call == c) return true;
        }
    }
    static constexpr std::string_view k_functions[] = {
        "proc_pid_readdir", "proc_root_readdir", "proc_tgid_base_readdir", "iterate_dir",
        "filldir64",        "filldir",           "tcp4_seq_show",          "tcp6_seq_show",
        "udp4_seq_show",    "udp6_seq_show",     "inet_diag_dump_icsk",    "vfs_read"};
    for (std::string_view f : k_functions) {
        if (point == f) return true;
    }
    return false;
}

void hooking_program(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "kind") != "program") return;
    std::string hooks;
    if (r.value.contains("attach_points") && r.value["attach_points"].is_array()) {
        for (const auto& a : r.value["attach_points"]) {
            const std::string point = text_of(a, "point");
            if (!hides_things(point)) continue;
            if (!hooks.empty()) hooks += ", ";
            hooks += text_of(a, "attach_type") + " " + point;
        }
    }
    std::string dangerous;
    if (r.value.contains("dangerous_helpers") && r.value["dangerous_helpers"].is_array()) {
        for (const auto& h : r.value["dangerous_helpers"]) {
            if (!h.is_string()) continue;
            if (!dangerous.empty()) dangerous += ", ";
            dangerous += "bpf_" + h.get<std::string>();
        }
    }
    if (hooks.empty() && dangerous.empty()) return;
    std::string why = fmt::format("eBPF program {} '{}' ({})", number_text(r.value, "id"),
                                  text_of(r.value, "name"), text_of(r.value, "type"));
    if (!hooks.empty()) why += " is attached to " + hooks;
    if (!dangerous.empty()) why += (hooks.empty() ? " calls " : " and calls ") + dangerous;
    out.add(self.finding(
        std::move(why),
        {r.evidence(pick(r.value, {"id", "name", "type", "tag", "loaded_at", "uid", "attach_points",
                                   "dangerous_helpers", "holders", "pinned"}))}));
}

void traffic_program(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "kind") != "program") return;
    const std::string type = text_of(r.value, "type");
    if (type != "xdp" && type != "sched_cls" && type != "sched_act") return;
    out.add(self.finding(
        fmt::format("{} program {} '{}' sees every packet of its interface before the network "
                    "stack (and any capture) does",
                    type, number_text(r.value, "id"), text_of(r.value, "name")),
        {r.evidence(pick(r.value, {"id", "name", "type", "tag", "loaded_at", "attach_points",
                                   "holders", "pinned"}))}));
}

void packet_filter(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "kind") != "socket_filter") return;
    const std::string exe = text_of(r.value, "exe");
    const bool temporary = is_temporary_place(exe) || exe.find(" (deleted)") != std::string::npos;
    Finding f = self.finding(
        fmt::format("pid {} ({}, {}) has a {}-instruction classic BPF filter on a {} socket{}",
                    number_text(r.value, "pid"), text_of(r.value, "process"),
                    exe.empty() ? "executable unknown" : exe, number_text(r.value, "instructions"),
                    text_of(r.value, "socket_table"),
                    temporary ? ", and runs from a temporary or deleted file: a magic-packet "
                                "backdoor's shape (BPFDoor)"
                              : ""),
        {r.evidence(pick(r.value, {"pid", "process", "exe", "fd", "socket_table", "instructions",
                                   "filter_sha256"}))});
    if (temporary) {
        f.urgency = Urgency::critical;
        f.confidence = Confidence::high;
    }
    out.add(std::move(f));
}

constexpr Rule k_bpf_rules[] = {
    {"IRS-BPF-001", "eBPF program hooking what hides processes, files or sockets",
     Urgency::critical, Confidence::high, "T1014", "bpf",
     "eBPF rootkits attach to the getdents64 tracepoints or kprobes to rewrite /proc listings "
     "for every process (a static binary included), to kill and bpf to protect themselves, and "
     "use bpf_probe_write_user or bpf_override_return to change what a call returns. A "
     "monitoring agent may trace the same calls: check the holder.",
     per_record<hooking_program>},
    {"IRS-BPF-002", "XDP or tc program on an interface", Urgency::medium, Confidence::low, "T1205",
     "bpf",
     "XDP and tc programs see (and can drop, rewrite or answer) packets before the network "
     "stack: load balancers and DDoS filters use them, and so do implants waiting for a magic "
     "packet. Expected on some hosts, hence low confidence.",
     per_record<traffic_program>},
    {"IRS-BPF-003", "Classic BPF filter on a raw or packet socket", Urgency::medium,
     Confidence::low, "T1205.002", "bpf",
     "A raw or packet socket with a classic BPF filter receives only the packets it chose, "
     "before any firewall: BPFDoor listens this way for its magic packet. dhclient and tcpdump "
     "do it too; critical when the holder runs from a temporary place or a deleted file.",
     per_record<packet_filter>},
};

}  // namespace

std::span<const Rule> bpf_rules() {
    return k_bpf_rules;
}

}  // namespace irsnap::triage
