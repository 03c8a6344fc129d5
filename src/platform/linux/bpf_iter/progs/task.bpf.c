// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0
// iter/task: the kernel's own task list, one irsnap_task_record per task. It reads, never
// writes: no map, no helper but bpf_seq_write and probe reads.
#include "kernel_types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "irsnap/linux/bpf_iter_records.h"

// bpf_seq_write is GPL-only; the program is offered under the GPL too (the kernel reads the
// license string), the rest of irsnap stays Apache-2.0.
char LICENSE[] SEC("license") = "Dual BSD/GPL";

// The level of irsnap's own pid namespace (0: the initial one), set before load.
const volatile unsigned int pid_ns_level = 0;

static __always_inline int pid_at_level(struct task_struct *t, unsigned int level) {
    struct pid *p = BPF_CORE_READ(t, thread_pid);
    if (!p || BPF_CORE_READ(p, level) < level) return 0;
    int nr = 0;
    bpf_core_read(&nr, sizeof(nr), &p->numbers[level].nr);
    return nr;
}

SEC("iter/task")
int irsnap_task(struct bpf_iter__task *ctx) {
    struct seq_file *seq = ctx->meta->seq;
    struct task_struct *t = ctx->task;
    if (!t) return 0;
    const unsigned int level = pid_ns_level;
    if (level > 31) return 0;
    struct irsnap_task_record r;
    __builtin_memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    r.kind = IRSNAP_ITER_TASK;
    r.flags = BPF_CORE_READ(t, flags);
    r.exit_state = BPF_CORE_READ(t, exit_state);
    r.pid = pid_at_level(t, level);
    r.tgid = pid_at_level(BPF_CORE_READ(t, group_leader), level);
    r.ppid = pid_at_level(BPF_CORE_READ(t, real_parent, group_leader), level);
    r.uid = BPF_CORE_READ(t, cred, uid.val);
    r.gid = BPF_CORE_READ(t, cred, gid.val);
    r.euid = BPF_CORE_READ(t, cred, euid.val);
    r.egid = BPF_CORE_READ(t, cred, egid.val);
    struct pid *p = BPF_CORE_READ(t, thread_pid);
    if (p) {
        unsigned int own = BPF_CORE_READ(p, level);
        if (own < 32) {
            struct pid_namespace *ns = 0;
            bpf_core_read(&ns, sizeof(ns), &p->numbers[own].ns);
            if (ns) r.pid_ns = BPF_CORE_READ(ns, ns.inum);
        }
    }
    r.mnt_ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
    r.net_ns = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
    r.uts_ns = BPF_CORE_READ(t, nsproxy, uts_ns, ns.inum);
    r.start_time = BPF_CORE_READ(t, start_time);
    r.start_boottime = BPF_CORE_READ(t, start_boottime);
    bpf_probe_read_kernel_str(r.comm, sizeof(r.comm), &t->comm);
    bpf_seq_write(seq, &r, sizeof(r));
    return 0;
}
