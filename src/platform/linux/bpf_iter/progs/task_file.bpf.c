// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0
// iter/task_file: every open descriptor of every process, one irsnap_file_record plus its path
// each, what the /proc/PID/fd walk reads with four to five system calls per descriptor. It only
// reads: the one map is a per-CPU scratch buffer for the path (the BPF stack is 512 bytes).
#include "file_types.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "irsnap/linux/bpf_iter_records.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile unsigned int pid_ns_level = 0;

#define IRSNAP_PATH_MAX 4096
#define IRSNAP_O_CLOEXEC 02000000

struct scratch {
    struct irsnap_file_record r;
    char path[IRSNAP_PATH_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch_space SEC(".maps");

static __always_inline int tgid_at_level(struct task_struct *t, unsigned int level) {
    struct pid *p = BPF_CORE_READ(t, thread_pid);
    if (!p || BPF_CORE_READ(p, level) < level) return 0;
    int nr = 0;
    bpf_core_read(&nr, sizeof(nr), &p->numbers[level].nr);
    return nr;
}

/// fdinfo's rule: the descriptor table's close-on-exec bit joins the file's own flags.
static __always_inline bool close_on_exec(struct task_struct *t, __u32 fd) {
    unsigned long *bits = BPF_CORE_READ(t, files, fdt, close_on_exec);
    if (!bits) return false;
    unsigned long word = 0;
    bpf_core_read(&word, sizeof(word), &bits[fd / 64]);
    return (word >> (fd % 64)) & 1;
}

SEC("iter/task_file")
int irsnap_task_file(struct bpf_iter__task_file *ctx) {
    struct seq_file *seq = ctx->meta->seq;
    struct task_struct *t = ctx->task;
    struct file *f = ctx->file;
    if (!t || !f) return 0;
    // /proc/PID/fd shows the thread-group leader's table; a thread that unshared its own is not
    // in it either.
    if (BPF_CORE_READ(t, pid) != BPF_CORE_READ(t, tgid)) return 0;
    const unsigned int level = pid_ns_level;
    if (level > 31) return 0;
    const int tgid = tgid_at_level(t, level);
    if (tgid <= 0) return 0;  // not visible from irsnap's pid namespace
    __u32 zero = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);
    if (!s) return 0;
    struct irsnap_file_record *r = &s->r;
    __builtin_memset(r, 0, sizeof(*r));
    r->kind = IRSNAP_ITER_TASK_FILE;
    r->tgid = tgid;
    r->fd = (__s32)ctx->fd;
    r->flags = BPF_CORE_READ(f, f_flags);
    if (close_on_exec(t, ctx->fd)) r->flags |= IRSNAP_O_CLOEXEC;
    r->pos = BPF_CORE_READ(f, f_pos);
    struct inode *inode = BPF_CORE_READ(f, f_inode);
    if (inode) {
        r->mode = BPF_CORE_READ(inode, i_mode);
        r->nlink = BPF_CORE_READ(inode, i_nlink);
        r->ino = BPF_CORE_READ(inode, i_ino);
        r->file_size = BPF_CORE_READ(inode, i_size);
        r->dev = BPF_CORE_READ(inode, i_sb, s_dev);
        r->fs_magic = BPF_CORE_READ(inode, i_sb, s_magic);
    }
    struct vfsmount *vfs = BPF_CORE_READ(f, f_path.mnt);
    r->mnt_id = -1;
    if (vfs) {
        struct mount *m = (void *)vfs - bpf_core_field_offset(struct mount, mnt);
        r->mnt_id = BPF_CORE_READ(m, mnt_id);
    }
    bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), &t->comm);
    long n = bpf_d_path((struct path *)&f->f_path, s->path, sizeof(s->path));
    __u32 length = n > 0 ? (__u32)(n - 1) : 0;  // d_path counts the terminating NUL
    // The verifier needs the bound where the length is used; d_path never exceeds the buffer.
    asm volatile("" : "+r"(length));
    length &= IRSNAP_PATH_MAX - 1;
    r->path_status = n > 0 ? (__s32)length : (__s32)n;
    r->size = (__u16)(sizeof(*r) + length);
    bpf_seq_write(seq, s, sizeof(*r) + length);
    return 0;
}
