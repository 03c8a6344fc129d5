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

namespace {

Result<std::shared_ptr<irsnap_task>> load_task_program() {
    return bpf_iter::load_skeleton<irsnap_task>(
        "iter/task", irsnap_task__open, irsnap_task__load, irsnap_task__destroy,
        [](irsnap_task* s) { s->rodata->pid_ns_level = bpf_iter::own_pid_ns_level(); });
}

}  // namespace

Result<std::vector<KernelTask>> read_kernel_tasks() {
    auto skeleton = load_task_program();
    if (!skeleton) return skeleton.error();
    // 4 million tasks (PID_MAX_LIMIT) at 88 bytes: the cap no real host reaches.
    auto bytes =
        bpf_iter::read_iterator((*skeleton)->progs.irsnap_task, "iter/task", size_t{4} << 20 << 7);
    if (!bytes) return bytes.error();
    return parse_task_records(*bytes);
}

}  // namespace irsnap::kernel_view

void irsnap::bpf_iter::preload_task_program() {
    if (auto loaded = kernel_view::load_task_program())
        keep_preloaded("iter/task", *loaded, (*loaded)->obj);
}
