// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0
// The observe window's event sources: process exec, fork and exit, TCP state changes and UDP
// sends, one irsnap_trace_* record each into one ring buffer (layouts in bpf_trace_records.h).
// tp_btf programs: the arguments are the kernel's own structs, read through CO-RE. They only
// read: probe reads, the ring buffer, a counter of lost records and the UDP rate limit's map.
#include "socket_types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "irsnap/linux/bpf_trace_records.h"

// bpf_probe_read_* are GPL-only; the programs are offered under the GPL too (see task.bpf.c).
char LICENSE[] SEC("license") = "Dual BSD/GPL";

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct mm_struct {
    unsigned long arg_start; /* in an anonymous struct in the kernel: CO-RE finds it there */
    unsigned long arg_end;
};
struct linux_binprm {
    const char* filename;
};
#pragma clang attribute pop

#define IRSNAP_AF_INET 2
#define IRSNAP_AF_INET6 10
#define IRSNAP_IPPROTO_TCP 6
#define IRSNAP_IPPROTO_UDP 17
#define IRSNAP_NS_PER_SEC 1000000000ull

// 1 MiB: at ~100 bytes a socket record and ~850 an exec, thousands of events between two polls.
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} events SEC(".maps");

// The last udp_send record per (process, local port): a busy sender yields one a second.
struct udp_key {
    __u32 tgid;
    __u16 port;
    __u16 pad;
};
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 8192);
    __type(key, struct udp_key);
    __type(value, __u64);
} udp_last SEC(".maps");

// Records the ring buffer had no room for (reserve failed); userspace reports them as lost.
__u64 lost = 0;

static __always_inline void* reserve(__u32 size) {
    void* r = bpf_ringbuf_reserve(&events, size, 0);
    if (!r) __sync_fetch_and_add(&lost, 1);
    return r;
}

// The header from the current task (every program here runs in the acting task's context,
// except TCP transitions made from softirq: then current is whatever task was interrupted).
static __always_inline void fill_header(struct irsnap_trace_header* h, __u16 size, __u16 kind) {
    const __u64 id = bpf_get_current_pid_tgid();
    h->size = size;
    h->kind = kind;
    h->reserved = 0;
    h->monotonic_ns = bpf_ktime_get_ns();
    h->tgid = id >> 32;
    h->pid = (__u32)id;
    __builtin_memset(h->comm, 0, sizeof(h->comm));
    bpf_get_current_comm(h->comm, sizeof(h->comm));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(irsnap_exec, struct task_struct* p, int old_pid, struct linux_binprm* bprm) {
    struct irsnap_trace_exec* r = reserve(sizeof(*r));
    if (!r) return 0;
    fill_header(&r->h, sizeof(*r), IRSNAP_TRACE_EXEC);
    // The buffers' tails past filename_len and argv_len are not cleared (768 bytes of stores per
    // exec): the decoder reads only within the lengths.
    r->ppid = BPF_CORE_READ(p, real_parent, tgid);
    r->uid = BPF_CORE_READ(p, cred, uid.val);
    const long n =
        bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), BPF_CORE_READ(bprm, filename));
    r->filename_len = n > 0 ? n - 1 : n;
    // The new program's argv, as the kernel just copied it onto the new stack (current is p).
    const unsigned long start = BPF_CORE_READ(p, mm, arg_start);
    const unsigned long end = BPF_CORE_READ(p, mm, arg_end);
    unsigned long len = end > start ? end - start : 0;
    r->argv_truncated = len > IRSNAP_TRACE_ARGV_MAX;
    if (len > IRSNAP_TRACE_ARGV_MAX) len = IRSNAP_TRACE_ARGV_MAX;
    r->argv_len = 0;
    if (len > 0 && bpf_probe_read_user(r->argv, len, (const void*)start) == 0) r->argv_len = len;
    bpf_ringbuf_submit(r, 0);
    return 0;
}

// Thread creation is dropped here (child pid != child tgid): only new processes are reported.
SEC("tp_btf/sched_process_fork")
int BPF_PROG(irsnap_fork, struct task_struct* parent, struct task_struct* child) {
    const int pid = BPF_CORE_READ(child, pid);
    const int tgid = BPF_CORE_READ(child, tgid);
    if (pid != tgid) return 0;
    struct irsnap_trace_fork* r = reserve(sizeof(*r));
    if (!r) return 0;
    fill_header(&r->h, sizeof(*r), IRSNAP_TRACE_FORK);
    r->child_pid = pid;
    r->child_tgid = tgid;
    bpf_ringbuf_submit(r, 0);
    return 0;
}

// One event per process: the thread-group leader's exit (a leader that exits before its
// threads is reported then). The second argument (group_dead, 6.16+) is not read.
SEC("tp_btf/sched_process_exit")
int BPF_PROG(irsnap_exit, struct task_struct* p) {
    if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid)) return 0;
    struct irsnap_trace_exit* r = reserve(sizeof(*r));
    if (!r) return 0;
    fill_header(&r->h, sizeof(*r), IRSNAP_TRACE_EXIT);
    r->exit_code = BPF_CORE_READ(p, exit_code);
    r->reserved = 0;
    bpf_ringbuf_submit(r, 0);
    return 0;
}

static __always_inline void fill_sock(struct irsnap_trace_sock* r, const struct sock* sk) {
    r->skaddr = (__u64)sk;
    r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
    r->protocol = BPF_CORE_READ(sk, sk_protocol);
    r->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
    r->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
    __builtin_memset(r->saddr, 0, sizeof(r->saddr));
    __builtin_memset(r->daddr, 0, sizeof(r->daddr));
    if (r->family == IRSNAP_AF_INET6) {
        bpf_core_read(r->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
        bpf_core_read(r->daddr, 16, &sk->__sk_common.skc_v6_daddr);
    } else {
        bpf_core_read(r->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
        bpf_core_read(r->daddr, 4, &sk->__sk_common.skc_daddr);
    }
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(irsnap_tcp_state, const struct sock* sk, int oldstate, int newstate) {
    if (BPF_CORE_READ(sk, sk_protocol) != IRSNAP_IPPROTO_TCP) return 0;
    struct irsnap_trace_sock* r = reserve(sizeof(*r));
    if (!r) return 0;
    fill_header(&r->h, sizeof(*r), IRSNAP_TRACE_TCP_STATE);
    fill_sock(r, sk);
    r->old_state = oldstate;
    r->new_state = newstate;
    bpf_ringbuf_submit(r, 0);
    return 0;
}

// Optional (sock_send_length, Linux 6.3+): fires after every sendmsg of every socket, so UDP is
// filtered first and rate-limited to one event a second per (process, local port).
SEC("tp_btf/sock_send_length")
int BPF_PROG(irsnap_udp_send, struct sock* sk, int ret, int flags) {
    if (BPF_CORE_READ(sk, sk_protocol) != IRSNAP_IPPROTO_UDP) return 0;
    const __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    if (family != IRSNAP_AF_INET && family != IRSNAP_AF_INET6) return 0;
    struct udp_key key = {.tgid = bpf_get_current_pid_tgid() >> 32,
                          .port = BPF_CORE_READ(sk, __sk_common.skc_num)};
    const __u64 now = bpf_ktime_get_ns();
    __u64* last = bpf_map_lookup_elem(&udp_last, &key);
    if (last && now - *last < IRSNAP_NS_PER_SEC) return 0;
    bpf_map_update_elem(&udp_last, &key, &now, 0);
    struct irsnap_trace_sock* r = reserve(sizeof(*r));
    if (!r) return 0;
    fill_header(&r->h, sizeof(*r), IRSNAP_TRACE_UDP_SEND);
    fill_sock(r, sk);
    r->old_state = 0;
    r->new_state = 0;
    bpf_ringbuf_submit(r, 0);
    return 0;
}
