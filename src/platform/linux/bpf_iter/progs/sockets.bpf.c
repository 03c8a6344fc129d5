// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0
// iter/tcp, iter/udp, iter/unix: the kernel's own socket hash tables, one irsnap_socket_record
// per socket, of the network namespace the iterator was created in. They read, never write:
// no map, no helper but bpf_seq_write and probe reads.
#include "socket_types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "irsnap/linux/bpf_iter_records.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";  // bpf_seq_write is GPL-only (see task.bpf.c)

#define IRSNAP_AF_INET6 10
#define IRSNAP_TCP_TIME_WAIT 6
#define IRSNAP_TCP_NEW_SYN_RECV 12

// Endpoints, family, state and namespace: valid for every sock_common, full socket or not.
static __always_inline void read_common(struct sock_common *c, struct irsnap_socket_record *r) {
    r->family = BPF_CORE_READ(c, skc_family);
    r->state = BPF_CORE_READ(c, skc_state);
    r->local_port = BPF_CORE_READ(c, skc_num);
    r->remote_port = __builtin_bswap16(BPF_CORE_READ(c, skc_dport));
    r->netns = BPF_CORE_READ(c, skc_net.net, ns.inum);
    if (r->family == IRSNAP_AF_INET6) {
        bpf_core_read(r->local_address, 16, &c->skc_v6_rcv_saddr);
        bpf_core_read(r->remote_address, 16, &c->skc_v6_daddr);
    } else {
        bpf_core_read(r->local_address, 4, &c->skc_rcv_saddr);
        bpf_core_read(r->remote_address, 4, &c->skc_daddr);
    }
}

// What only a full socket has: its type, protocol and inode, read as sock_i_ino() does (the
// inode allocated with the struct socket; 0 once the socket is orphaned).
static __always_inline void read_full(struct sock *sk, struct irsnap_socket_record *r) {
    r->protocol = BPF_CORE_READ(sk, sk_protocol);
    r->type = BPF_CORE_READ(sk, sk_type);
    struct socket_alloc *alloc = (struct socket_alloc *)BPF_CORE_READ(sk, sk_socket);
    if (alloc) r->inode = BPF_CORE_READ(alloc, vfs_inode.i_ino);
}

static __always_inline void start(struct irsnap_socket_record *r, __u16 kind, __u32 uid) {
    __builtin_memset(r, 0, sizeof(*r));
    r->size = sizeof(*r);
    r->kind = kind;
    r->uid = uid;
}

SEC("iter/tcp")
int irsnap_tcp(struct bpf_iter__tcp *ctx) {
    struct sock_common *c = ctx->sk_common;
    if (!c) return 0;
    struct irsnap_socket_record r;
    start(&r, IRSNAP_ITER_TCP, ctx->uid);
    read_common(c, &r);
    // TIME_WAIT and request socks are not full sockets: no file, so inode 0 (as /proc shows).
    if (r.state != IRSNAP_TCP_TIME_WAIT && r.state != IRSNAP_TCP_NEW_SYN_RECV) {
        read_full((struct sock *)c, &r);
    } else {
        r.protocol = 6;  // IPPROTO_TCP
        r.type = 1;      // SOCK_STREAM
    }
    bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
    return 0;
}

SEC("iter/udp")
int irsnap_udp(struct bpf_iter__udp *ctx) {
    struct udp_sock *u = ctx->udp_sk;
    if (!u) return 0;
    struct irsnap_socket_record r;
    start(&r, IRSNAP_ITER_UDP, ctx->uid);
    read_common(&u->inet.sk.__sk_common, &r);
    read_full(&u->inet.sk, &r);
    bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
    return 0;
}

SEC("iter/unix")
int irsnap_unix(struct bpf_iter__unix *ctx) {
    struct unix_sock *u = ctx->unix_sk;
    if (!u) return 0;
    struct irsnap_socket_record r;
    start(&r, IRSNAP_ITER_UNIX, ctx->uid);
    r.family = BPF_CORE_READ(u, sk.__sk_common.skc_family);
    r.state = BPF_CORE_READ(u, sk.__sk_common.skc_state);
    r.netns = BPF_CORE_READ(u, sk.__sk_common.skc_net.net, ns.inum);
    read_full(&u->sk, &r);
    struct unix_address *a = BPF_CORE_READ(u, addr);
    if (a) {
        // len counts sun_family too; the clamp is written so the verifier sees the bound.
        __u32 len = (__u32)BPF_CORE_READ(a, len);
        len = len > sizeof(unsigned short) ? len - sizeof(unsigned short) : 0;
        if (len > sizeof(r.unix_path)) len = sizeof(r.unix_path);
        asm volatile("" : "+r"(len));
        if (len > 0 && len <= sizeof(r.unix_path)) {
            r.unix_path_len = len;
            bpf_probe_read_kernel(r.unix_path, len, &a->name[0].sun_path);
        }
    }
    bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
    return 0;
}
