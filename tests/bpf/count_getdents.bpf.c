// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0
// A harmless stand-in for an eBPF rootkit's hook: it counts returns of getdents64 (the call a
// rootkit rewrites to hide /proc entries) and changes nothing. The bpf collector must list it
// with its tracepoint and holder, and triage must raise it.
#include "kernel_types.h"

#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 calls = 0;

SEC("tracepoint/syscalls/sys_exit_getdents64")
int count_getdents(void* ctx) {
    __sync_fetch_and_add(&calls, 1);
    return 0;
}
