// SPDX-License-Identifier: Apache-2.0
// The kernel's own task list, read through a BPF iterator (iter/task): a view of the processes
// that no /proc hook, bind mount or getdents filter stands in front of. Parsing the iterator's
// records is pure (tested and fuzzed over bytes); running the iterator is
// src/platform/linux/bpf_iter/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"

namespace irsnap::kernel_view {

/// One task (thread) of the kernel's task list, numbered in irsnap's pid namespace.
struct KernelTask {
    int32_t pid = 0;   ///< thread id
    int32_t tgid = 0;  ///< process (thread group) id
    int32_t ppid = 0;  ///< real parent's tgid; 0 when outside irsnap's pid namespace
    uint32_t flags = 0;
    int32_t exit_state = 0;
    uint32_t uid = 0, gid = 0, euid = 0, egid = 0;
    uint32_t pid_ns = 0, mnt_ns = 0, net_ns = 0, uts_ns = 0;
    uint64_t start_time_ns = 0;      ///< CLOCK_MONOTONIC at the task's start
    uint64_t start_boottime_ns = 0;  ///< CLOCK_BOOTTIME at the task's start (what /proc shows)
    std::string comm;                ///< raw bytes, at most 15

    bool leader() const { return pid == tgid; }
    bool kernel_thread() const { return (flags & 0x00200000u) != 0; }  // PF_KTHREAD
    /// Reaped or about to be (EXIT_DEAD): /proc may already have let it go.
    bool dead() const { return (exit_state & 0x20) != 0; }
};

/// The records of one iter/task read. A truncated record, or one of another size or kind (an
/// iterator from a different build), is an error: a view that silently lost tasks would invent
/// hidden processes.
Result<std::vector<KernelTask>> parse_task_records(std::string_view bytes);

/// Why the kernel views cannot be used on this host, or "" when they can be tried: no BTF at
/// /sys/kernel/btf/vmlinux, not root. Loading may still fail (lockdown, an old kernel): that
/// failure is the read's error.
std::string kernel_views_unavailable();

/// Runs iter/task once and returns its records. Nothing stays loaded: the program, its link and
/// the iterator are closed before this returns; nothing is pinned, no file is written.
Result<std::vector<KernelTask>> read_kernel_tasks();

}  // namespace irsnap::kernel_view
