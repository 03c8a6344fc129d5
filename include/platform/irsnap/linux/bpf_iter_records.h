/* SPDX-License-Identifier: Apache-2.0 */
/* The records irsnap's BPF iterators write (bpf_seq_write) and the parsers read: one fixed-size
 * C struct per iterator, shared by the BPF program (src/platform/linux/bpf_iter/progs) and the
 * C++ side, so the layout is written once. Every record starts with its own size and a kind, so
 * a parser refuses a stream from a different build instead of misreading it. */
#ifndef IRSNAP_BPF_ITER_RECORDS_H
#define IRSNAP_BPF_ITER_RECORDS_H

#define IRSNAP_ITER_TASK 1
#define IRSNAP_ITER_TASK_FILE 2
#define IRSNAP_ITER_KSYM 10

/* iter/task: one record per task (thread) the kernel's task list holds. pid, tgid and ppid are
 * numbered in the pid namespace irsnap runs in. */
struct irsnap_task_record {
    __u16 size;
    __u16 kind;
    __u32 flags;      /* task->flags (PF_KTHREAD 0x00200000 ...) */
    __s32 pid;        /* thread id */
    __s32 tgid;       /* thread-group (process) id */
    __s32 ppid;       /* real parent's tgid; 0 when outside irsnap's pid namespace */
    __s32 exit_state; /* EXIT_ZOMBIE 16, EXIT_DEAD 32; 0 while running */
    __u32 uid;
    __u32 gid;
    __u32 euid;
    __u32 egid;
    __u32 pid_ns;
    __u32 mnt_ns;
    __u32 net_ns;
    __u32 uts_ns;
    __u64 start_time;     /* ns since boot, CLOCK_MONOTONIC */
    __u64 start_boottime; /* ns since boot, CLOCK_BOOTTIME (what /proc/PID/stat counts in) */
    char comm[16];
};

/* iter/task_file: one record per descriptor of each process (thread-group leader), followed by
 * the descriptor's path as /proc/PID/fd/N's link shows it (d_path: "/usr/lib/...",
 * "socket:[123]", "anon_inode:[eventfd]", "... (deleted)"), not NUL-terminated: `size` covers
 * both. path_status is the path's length, or the negative errno d_path failed with (then no path
 * follows and the reader falls back to readlink). */
struct irsnap_file_record {
    __u16 size;
    __u16 kind;
    __s32 tgid; /* numbered in irsnap's pid namespace */
    __s32 fd;
    __u32 flags;  /* file->f_flags, plus O_CLOEXEC from the descriptor table (as fdinfo shows) */
    __u32 mode;   /* inode->i_mode */
    __u32 nlink;  /* inode->i_nlink */
    __u32 dev;    /* inode->i_sb->s_dev, the kernel's encoding (major << 20 | minor) */
    __s32 mnt_id; /* the mount's id, as fdinfo and mountinfo show it */
    __u64 ino;
    __u64 file_size;
    __u64 pos;
    __u64 fs_magic; /* the file system's magic number (statfs f_type) */
    __s32 path_status;
    __u32 reserved;
    char comm[16]; /* the process's name */
};

/* iter/ksym: one record per module symbol of the kernel's symbol table, naming its module
 * ("bpf", "__builtin__ftrace" ... for the kernel's pseudo-modules). */
struct irsnap_ksym_record {
    __u16 size;
    __u16 kind;
    __u32 reserved;
    char module[56]; /* MODULE_NAME_LEN, NUL-terminated */
};

#define IRSNAP_ITER_TCP 3
#define IRSNAP_ITER_UDP 4
#define IRSNAP_ITER_UNIX 5

/* iter/tcp, iter/udp, iter/unix: one record per socket of the kernel's hash tables, in the
 * network namespace of the thread that created the iterator. kind says which iterator. */
struct irsnap_socket_record {
    __u16 size;
    __u16 kind;
    __u16 family;   /* AF_INET 2, AF_INET6 10, AF_UNIX 1 */
    __u16 protocol; /* sk_protocol: IPPROTO_TCP 6, IPPROTO_UDP 17; 0 for unix */
    __u16 type;     /* sk_type: SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
    __u8 state;     /* skc_state: TCP_LISTEN 10, TCP_TIME_WAIT 6, TCP_NEW_SYN_RECV 12 ... */
    __u8 pad0;
    __u32 uid;
    __u32 netns; /* inode of the socket's network namespace */
    __u32 pad1;
    __u64 inode; /* as sock_i_ino(): the key to /proc/PID/fd links; 0 for TIME_WAIT, requests */
    __u8 local_address[16]; /* IPv4: the first 4 bytes, network order */
    __u8 remote_address[16];
    __u16 local_port; /* host order */
    __u16 remote_port;
    __u16 unix_path_len; /* bytes of unix_path used; 0 when unnamed */
    __u16 pad2;
    char unix_path[108]; /* sun_path as bound: a leading NUL for an abstract name */
    __u32 pad3;
};

#endif
