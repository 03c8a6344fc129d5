/* SPDX-License-Identifier: Apache-2.0 */
/* The records the activity tracepoints (src/platform/linux/bpf_iter/progs/activity.bpf.c) put
 * into their ring buffer and decode_trace_record (src/platform/linux/bpf/trace_records.cpp)
 * reads: one fixed-size C struct per kind, written once for both sides. Every record starts with
 * its own size and kind, so the decoder refuses a record from a different build instead of
 * misreading it. */
#ifndef IRSNAP_BPF_TRACE_RECORDS_H
#define IRSNAP_BPF_TRACE_RECORDS_H

#define IRSNAP_TRACE_EXEC 20
#define IRSNAP_TRACE_FORK 21
#define IRSNAP_TRACE_EXIT 22
#define IRSNAP_TRACE_TCP_STATE 23
#define IRSNAP_TRACE_UDP_SEND 24

#define IRSNAP_TRACE_FILENAME_MAX 256
#define IRSNAP_TRACE_ARGV_MAX 512

/* First in every record. tgid and pid are the acting task's numbers in the initial pid namespace
 * (task->tgid, task->pid): the process id and thread id as a host-level ps shows them. */
struct irsnap_trace_header {
    __u16 size;
    __u16 kind;
    __u32 reserved;
    __u64 monotonic_ns; /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
    __s32 tgid;
    __s32 pid;
    char comm[16]; /* the acting task's comm (after exec: the new program's) */
};

/* sched_process_exec: the task that just exec'd. */
struct irsnap_trace_exec {
    struct irsnap_trace_header h;
    __s32 ppid; /* real_parent->tgid */
    __u32 uid;  /* cred->uid */
    /* the tracepoint's filename (bprm->filename): its length without the NUL, or the negative
     * errno of a failed read (then no filename) */
    __s32 filename_len;
    __u16 argv_len;       /* bytes of argv, NUL-separated, as /proc/PID/cmdline holds them */
    __u16 argv_truncated; /* 1 when mm->arg_end - arg_start was more than IRSNAP_TRACE_ARGV_MAX */
    char filename[IRSNAP_TRACE_FILENAME_MAX];
    char argv[IRSNAP_TRACE_ARGV_MAX];
};

/* sched_process_fork, only for a new process (not a new thread): the header is the forking task. */
struct irsnap_trace_fork {
    struct irsnap_trace_header h;
    __s32 child_pid;
    __s32 child_tgid; /* == child_pid: the BPF side drops thread creation */
};

/* sched_process_exit of a thread-group leader: one per process. */
struct irsnap_trace_exit {
    struct irsnap_trace_header h;
    __s32 exit_code; /* task->exit_code: the raw wait status, code << 8 | signal */
    __u32 reserved;
};

/* inet_sock_set_state (TCP) and sock_send_length (UDP): the socket's endpoints. Ports in host
 * order; addresses in network order, 4 bytes used for AF_INET. */
struct irsnap_trace_sock {
    struct irsnap_trace_header h;
    __u64 skaddr; /* the struct sock's address: an id that ties the transitions of one socket */
    __s32 old_state;
    __s32 new_state; /* TCP_* numbers; 0 for UDP */
    __u16 family;    /* AF_INET 2, AF_INET6 10 */
    __u16 protocol;  /* IPPROTO_TCP 6, IPPROTO_UDP 17 */
    __u16 sport;
    __u16 dport;
    __u8 saddr[16];
    __u8 daddr[16];
};

#endif
