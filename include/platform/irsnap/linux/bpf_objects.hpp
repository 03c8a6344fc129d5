// SPDX-License-Identifier: Apache-2.0
// The kernel's loaded BPF objects (programs, links, maps), what holds them, and classic BPF
// filters on sockets: the bpf collector's view. The pure parts (fdinfo, kallsyms, instruction
// scan) are in src/platform/linux/bpf/bpf_text.cpp; the system calls in
// src/platform/linux/bpf_iter/bpf_objects_live.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"

namespace irsnap::bpf {

// ---- pure

/// The BPF object ids an fdinfo file names ("prog_id:", "map_id:", "link_id:"), for a
/// descriptor whose link text is anon_inode:bpf-prog, bpf-map or bpf_link. Absent ids are 0.
struct FdinfoIds {
    uint32_t prog_id = 0;
    uint32_t map_id = 0;
    uint32_t link_id = 0;
};
FdinfoIds parse_bpf_fdinfo(std::string_view text);

/// Which kind of BPF object a descriptor's link text names: "prog", "map", "link", or "".
std::string_view bpf_fd_kind(std::string_view link_text);

/// The immediates of every helper call (BPF_JMP|BPF_CALL with src_reg 0) in a program's
/// translated instructions, in order, duplicates removed. The kernel dumps them as the
/// helper's address minus __bpf_call_base (0 when it hides addresses from the reader).
std::vector<int32_t> helper_call_immediates(std::string_view xlated);

/// From /proc/kallsyms: the address of `__bpf_call_base` (0 when absent) and the kernel's
/// symbols named bpf_* by address (the helpers are among them; at most 65536 kept). Addresses
/// all zero (kptr_restrict) resolve nothing.
struct KallsymsLookup {
    uint64_t call_base = 0;
    std::map<uint64_t, std::string> names;
    /// The helper `immediate` calls, without its "bpf_" prefix; "" when unknown.
    std::string helper(int32_t immediate) const;
};
KallsymsLookup read_bpf_symbols(std::string_view text);

/// Helper names (without "bpf_") whose use by an unexpected program is a rootkit's tell:
/// probe_write_user (rewrites user memory: getdents results, sudoers reads), override_return
/// (fakes a kernel function's result), send_signal / send_signal_thread (kills a defender).
bool is_dangerous_helper(std::string_view name);

// ---- live (root; every call is read-only)

struct Program {
    uint32_t id = 0;
    std::string type;  ///< libbpf's name: "kprobe", "tracepoint", "xdp" ... or "type_N"
    std::string name;
    std::string tag;  ///< 16 hex digits: the kernel's hash of the instructions
    uint64_t load_time_boot_ns = 0;
    uint32_t uid = 0;
    uint32_t btf_id = 0;
    std::vector<uint32_t> map_ids;
    uint32_t xlated_bytes = 0;
    uint32_t jited_bytes = 0;
    bool gpl = false;
    uint64_t run_count = 0;
    std::vector<std::string> helpers;  ///< helper functions called, when the dump is readable
    std::string helpers_note;          ///< why `helpers` is empty though the program has calls
};

struct Link {
    uint32_t id = 0;
    std::string type;  ///< "raw_tracepoint", "tracing", "cgroup", "perf_event", "xdp" ...
    uint32_t prog_id = 0;
    std::string attach_type;   ///< libbpf's attach type name, when the kernel gives one
    std::string attach_point;  ///< the tracepoint, function, interface, cgroup or netns
};

struct Map {
    uint32_t id = 0;
    std::string type;
    std::string name;
    uint32_t key_size = 0, value_size = 0, max_entries = 0, flags = 0;
};

struct Objects {
    std::vector<Program> programs;
    std::vector<Link> links;
    std::vector<Map> maps;
    std::vector<ItemError> errors;  ///< one object failing says nothing about the next
};

/// Every program, link and map the kernel holds, by id, through BPF_*_GET_NEXT_ID and
/// BPF_OBJ_GET_INFO_BY_FD. Descriptors are opened read-only and closed at once. `kallsyms`
/// names the helpers of programs whose translated instructions are readable.
Objects list_objects(std::string_view kallsyms_text);

/// What one BPF-related descriptor of another process is attached to, through
/// BPF_TASK_FD_QUERY (perf events and raw tracepoints): the program and the tracepoint,
/// kprobe or uprobe. No descriptor is taken from the process.
struct TaskFdAttachment {
    uint32_t prog_id = 0;
    std::string
        kind;  ///< "tracepoint", "kprobe", "kretprobe", "uprobe", "uretprobe", "raw_tracepoint"
    std::string point;  ///< the tracepoint or function name, or the file for a uprobe
    uint64_t offset = 0, address = 0;
};
Result<TaskFdAttachment> query_task_fd(int32_t pid, int32_t fd);

/// Kernels before 6.6 report a perf_event link (a program on a tracepoint, kprobe or uprobe,
/// which libbpf attaches this way) without its attach point; the perf event descriptor its
/// loader keeps open names it through BPF_TASK_FD_QUERY. When a program has exactly one such
/// link and its descriptors name one point, they are the same attachment: the link takes the
/// descriptor's kind and point. Anything ambiguous is left as the kernel gave it. Pure.
void fill_perf_link_points(std::vector<Link>& links, const std::vector<TaskFdAttachment>& perf);

/// A pinned object under a bpffs mount: what BPF_OBJ_GET opened (read-only) there.
struct Pin {
    std::string kind;  ///< "prog", "map", "link"
    uint32_t id = 0;
};
Result<Pin> inspect_pin(const std::string& path);

/// The classic BPF filter attached to socket `fd` of process `pid` (SO_GET_FILTER on a
/// duplicate taken with pidfd_getfd, closed at once): the instructions' raw bytes (8 per
/// instruction), empty when the socket has none (or has an eBPF one, listed as a program).
Result<std::string> socket_filter(int32_t pid, int32_t fd);

/// The ids of the programs and maps irsnap itself loaded for this run (its preloaded iterators,
/// kernel_view_programs.hpp): the bpf collector leaves out exactly these, not whatever else
/// irsnap happens to hold.
struct OwnIds {
    std::set<uint32_t> programs;
    std::set<uint32_t> maps;
};
OwnIds own_ids();

}  // namespace irsnap::bpf
