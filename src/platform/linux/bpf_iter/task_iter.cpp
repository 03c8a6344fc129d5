// SPDX-License-Identifier: Apache-2.0
// iter/task, loaded from the skeleton embedded at build time (task.bpf.c).
#include <linux/types.h>
#include <unistd.h>

#include <cerrno>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_tasks.hpp"
#include "iterator.hpp"
#include "task.skel.h"

namespace irsnap::kernel_view {

std::string kernel_views_unavailable() {
    if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        return "the kernel has no BTF (/sys/kernel/btf/vmlinux), which the iterators need";
    }
    if (::geteuid() != 0) return "not root: loading BPF programs needs CAP_BPF and CAP_PERFMON";
    return {};
}

Result<std::vector<KernelTask>> read_kernel_tasks() {
    bpf_iter::capture_libbpf_output();
    irsnap_task* skeleton = irsnap_task__open();
    if (!skeleton) return bpf_iter::load_error("iter/task", errno);
    skeleton->rodata->pid_ns_level = bpf_iter::own_pid_ns_level();
    if (irsnap_task__load(skeleton) != 0) {
        const int err = errno;
        irsnap_task__destroy(skeleton);
        return bpf_iter::load_error("iter/task", err);
    }
    // 4 million tasks (PID_MAX_LIMIT) at 88 bytes: the cap no real host reaches.
    auto bytes =
        bpf_iter::read_iterator(skeleton->progs.irsnap_task, "iter/task", size_t{4} << 20 << 7);
    irsnap_task__destroy(skeleton);
    if (!bytes) return bytes.error();
    return parse_task_records(*bytes);
}

}  // namespace irsnap::kernel_view
