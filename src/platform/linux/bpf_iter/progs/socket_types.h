/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel's socket types the socket iterators read (iter/tcp, iter/udp, iter/unix), declared
 * by hand like kernel_types.h: only the fields read, names as the kernel spells them, relocated
 * by libbpf against the running kernel's BTF (CO-RE). */
#ifndef IRSNAP_BPF_SOCKET_TYPES_H
#define IRSNAP_BPF_SOCKET_TYPES_H

#include "kernel_types.h"

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct inode {
    unsigned long i_ino;
};
struct socket {
    short type; /* not read: only the struct's place at the start of socket_alloc matters */
};
/* A socket's inode is allocated with it (sockfs): sock_i_ino() reads this one, so kernel
 * sockets without a file have their inode too, as /proc/net and sock_diag show it. */
struct socket_alloc {
    struct socket socket;
    struct inode vfs_inode;
};
typedef struct {
    struct net* net;
} possible_net_t;
struct in6_addr {
    __u8 s6_addr[16];
};
/* Shared by full sockets, TIME_WAIT and request socks: iter/tcp hands out all three. */
struct sock_common {
    __be32 skc_daddr;
    __be32 skc_rcv_saddr;
    __be16 skc_dport;
    __u16 skc_num;
    unsigned short skc_family;
    volatile unsigned char skc_state;
    possible_net_t skc_net;
    struct in6_addr skc_v6_daddr;
    struct in6_addr skc_v6_rcv_saddr;
};
struct sock {
    struct sock_common __sk_common;
    struct socket* sk_socket;
    __u16 sk_protocol;
    __u16 sk_type;
};
struct inet_sock {
    struct sock sk;
};
struct udp_sock {
    struct inet_sock inet;
};
struct sockaddr_un {
    unsigned short sun_family;
    char sun_path[108];
};
struct unix_address {
    int len;
    struct sockaddr_un name[0];
};
struct unix_sock {
    struct sock sk;
    struct unix_address* addr;
};

struct bpf_iter__tcp {
    struct bpf_iter_meta* meta;
    struct sock_common* sk_common;
    unsigned int uid;
};
struct bpf_iter__udp {
    struct bpf_iter_meta* meta;
    struct udp_sock* udp_sk;
    unsigned int uid;
};
struct bpf_iter__unix {
    struct bpf_iter_meta* meta;
    struct unix_sock* unix_sk;
    unsigned int uid;
};

#pragma clang attribute pop

#endif
