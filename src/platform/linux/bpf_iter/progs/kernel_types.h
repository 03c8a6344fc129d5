/* SPDX-License-Identifier: Apache-2.0 */
/* The few kernel types irsnap's iterators read, declared by hand with preserve_access_index:
 * libbpf relocates every field offset against the running kernel's BTF (CO-RE), so the build
 * needs no vmlinux.h from the build machine's kernel and one object runs on every BTF kernel.
 * Only the fields read are declared; names must match the kernel's. */
#ifndef IRSNAP_BPF_KERNEL_TYPES_H
#define IRSNAP_BPF_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
    BPF_MAP_TYPE_UNSPEC = 0,
    BPF_MAP_TYPE_PERCPU_ARRAY = 6,
    BPF_MAP_TYPE_LRU_HASH = 9,
    BPF_MAP_TYPE_RINGBUF = 27,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct seq_file;
struct ns_common {
    unsigned int inum;
};
struct pid_namespace {
    struct ns_common ns;
};
struct mnt_namespace {
    struct ns_common ns;
};
struct net {
    struct ns_common ns;
};
struct uts_namespace {
    struct ns_common ns;
};
struct upid {
    int nr;
    struct pid_namespace* ns;
};
struct pid {
    unsigned int level;
    struct upid numbers[1];
};
struct files_struct;
struct mm_struct;
struct nsproxy {
    struct uts_namespace* uts_ns;
    struct mnt_namespace* mnt_ns;
    struct net* net_ns;
};
typedef struct {
    unsigned int val;
} kuid_t;
typedef struct {
    unsigned int val;
} kgid_t;
struct cred {
    kuid_t uid;
    kgid_t gid;
    kuid_t euid;
    kgid_t egid;
};
struct task_struct {
    unsigned int flags;
    int exit_state;
    int pid;
    int tgid;
    struct task_struct* real_parent;
    struct task_struct* group_leader;
    struct pid* thread_pid;
    __u64 start_time;
    __u64 start_boottime;
    const struct cred* cred;
    char comm[16];
    struct files_struct* files;
    struct nsproxy* nsproxy;
    struct mm_struct* mm; /* activity.bpf.c: argv of an exec */
    int exit_code;        /* activity.bpf.c: the wait status at exit */
};

struct bpf_iter_meta {
    struct seq_file* seq;
    __u64 session_id;
    __u64 seq_num;
};
struct bpf_iter__task {
    struct bpf_iter_meta* meta;
    struct task_struct* task;
};

#pragma clang attribute pop

#endif
