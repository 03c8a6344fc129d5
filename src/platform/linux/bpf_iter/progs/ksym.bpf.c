// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0
// iter/ksym: the module name of every module symbol in the kernel's symbol table, the table
// /proc/kallsyms prints, read without its seq_file show function (where a rootkit filters).
// Kernel symbols (no module) are skipped; the reader folds consecutive repeats.
#include "ksym_types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "irsnap/linux/bpf_iter_records.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("iter/ksym")
int irsnap_ksym(struct bpf_iter__ksym *ctx) {
    struct seq_file *seq = ctx->meta->seq;
    struct kallsym_iter *k = ctx->ksym;
    if (!k) return 0;
    struct irsnap_ksym_record r;
    __builtin_memset(&r, 0, sizeof(r));
    bpf_probe_read_kernel_str(r.module, sizeof(r.module), &k->module_name);
    if (!r.module[0]) return 0;
    r.size = sizeof(r);
    r.kind = IRSNAP_ITER_KSYM;
    bpf_seq_write(seq, &r, sizeof(r));
    return 0;
}
