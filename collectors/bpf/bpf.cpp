// SPDX-License-Identifier: Apache-2.0
#include "bpf.hpp"

namespace irsnap::collectors {

const CollectorSpec& bpf_spec() {
    static const CollectorSpec spec{
        .name = "bpf",
        .description =
            "The kernel's BPF state: one 'program' record per loaded eBPF program (type, name, "
            "tag, load time, owner uid, maps, the helper functions it calls when the kernel "
            "shows its instructions), one 'link' record per BPF link with its attach point "
            "(tracepoint, kprobe or traced function, cgroup, XDP interface, network "
            "namespace), one 'map' record per map; each names the processes holding a "
            "descriptor to it (from /proc/PID/fdinfo) and the bpffs paths pinning it. Programs "
            "attached through perf events (tracepoints, kprobes, uprobes) get their attach "
            "point from BPF_TASK_FD_QUERY on the holder's descriptor. 'socket_filter' records "
            "list the classic BPF filters on raw and packet sockets (the BPFDoor technique), "
            "which no BPF id lists. Nothing is loaded, attached, pinned or changed; see "
            "docs/kernel-views.md.",
        .volatility_rank = 56,
        .why =
            "RFC 3227 kernel state: BPF programs are loaded and unloaded at run time like "
            "modules, and an implant that hides processes or sockets lives here; read right "
            "after the module list.",
        .platforms = {"linux"},
        .privileges =
            "root: CAP_SYS_ADMIN to list BPF objects by id, CAP_SYS_PTRACE for other "
            "processes' descriptors and socket filters",
        .without_privileges = "degrades: the listing by id is refused; coverage says so",
        .fields =
            {
                {"kind", "string",
                 "'scan' (one summary record first), 'program', 'link', 'map' or "
                 "'socket_filter'."},
                {"id", "integer", "program, link, map: the kernel's id of the object."},
                {"type", "string",
                 "program: kprobe, tracepoint, raw_tracepoint, tracing, xdp, sched_cls, "
                 "socket_filter, cgroup_skb, lsm ...; link: raw_tracepoint, tracing, cgroup, "
                 "iter, netns, xdp, perf_event, kprobe_multi ...; map: hash, array, "
                 "ringbuf ... (libbpf's names; 'type_N' for one it does not know)."},
                {"name", "string", "program, map: the name given at load (15 bytes at most)."},
                {"tag", "string",
                 "program: the kernel's 8-byte hash of the instructions, in hex (what bpftool "
                 "shows)."},
                {"loaded_at", "string", "program: when it was loaded, RFC 3339 UTC."},
                {"uid", "integer", "program: uid of the process that loaded it."},
                {"btf_id", "integer", "program: id of its BTF object (0: none)."},
                {"map_ids", "integer[]", "program: the maps it uses."},
                {"xlated_bytes", "integer", "program: size of its translated instructions."},
                {"jited_bytes", "integer", "program: size of its machine code."},
                {"gpl_compatible", "boolean", "program: its license is GPL-compatible."},
                {"run_count", "integer",
                 "program: runs counted by the kernel (0 unless kernel.bpf_stats_enabled)."},
                {"helpers", "string[]",
                 "program: the BPF helper functions its instructions call (probe_write_user, "
                 "override_return, send_signal ...), from the translated instructions and "
                 "/proc/kallsyms."},
                {"dangerous_helpers", "string[]",
                 "program: the helpers among them that change what others see or do: "
                 "probe_write_user, override_return, send_signal, send_signal_thread."},
                {"helpers_note", "string",
                 "program: why helpers may be incomplete (addresses hidden, instructions not "
                 "readable); null when complete."},
                {"attach_points", "object[]",
                 "program: where it runs: {via ('link' or 'perf_event'), link_id, pid, fd, "
                 "attach_type, point}: the tracepoint, function, interface or cgroup."},
                {"prog_id", "integer", "link: the program it attaches."},
                {"attach_type", "string",
                 "link: the attach type (trace_fentry, cgroup_inet_ingress ...) or, for a perf "
                 "link, tracepoint/kprobe/uprobe."},
                {"attach_point", "string",
                 "link: the tracepoint, traced function, cgroup id, 'ifindex N' or 'netns N'. "
                 "Kernels before 6.6 give a perf link none: it is then the point the loader's "
                 "perf event descriptor names, when the program has one such link and one "
                 "such point."},
                {"key_size", "integer", "map: key size in bytes."},
                {"value_size", "integer", "map: value size in bytes."},
                {"max_entries", "integer", "map: capacity."},
                {"flags", "integer", "map: creation flags."},
                {"holders", "object[]",
                 "program, link, map: processes holding a descriptor to it: {pid, fd, "
                 "process}."},
                {"pinned", "string[]", "program, link, map: bpffs paths pinning it."},
                {"pid", "integer", "socket_filter: the process holding the socket."},
                {"fd", "integer", "socket_filter: its descriptor."},
                {"process", "string", "socket_filter: the process's name (comm)."},
                {"exe", "string",
                 "socket_filter: the process's executable (/proc/PID/exe), null when "
                 "unreadable."},
                {"socket_inode", "integer", "socket_filter: the socket's inode."},
                {"socket_table", "string",
                 "socket_filter: where the socket is listed: packet, raw or raw6."},
                {"instructions", "integer", "socket_filter: length of the classic filter."},
                {"filter_sha256", "string", "socket_filter: SHA-256 of the filter's bytes."},
                {"filter_hex", "string",
                 "socket_filter: the filter's instructions (8 bytes each: code, jt, jf, k), "
                 "in hex, for offline disassembly."},
                {"programs", "integer", "scan: programs listed."},
                {"links", "integer", "scan: links listed."},
                {"maps", "integer", "scan: maps listed."},
                {"pins", "integer", "scan: pinned objects found under bpffs mounts."},
                {"sockets_checked", "integer",
                 "scan: raw and packet sockets whose filter was asked for."},
                {"socket_filters", "integer", "scan: socket_filter records."},
                {"own_objects", "integer",
                 "scan: programs and maps held by irsnap alone (its own iterators, loaded for "
                 "the run and unloaded at its end), left out of the records."},
                {"escaped_fields", "string[]",
                 "Fields whose bytes were not valid UTF-8 and were escaped (\\xHH)."},
            },
        .reads_open_handles = true};
    return spec;
}

}  // namespace irsnap::collectors
