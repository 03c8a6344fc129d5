/* SPDX-License-Identifier: Apache-2.0 */
/* The open-file types iter/task_file reads, declared like kernel_types.h (CO-RE, only the fields
 * read; anonymous unions as the kernel has them, so the field names match). */
#ifndef IRSNAP_BPF_FILE_TYPES_H
#define IRSNAP_BPF_FILE_TYPES_H

#include "kernel_types.h"

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct super_block {
    __u32 s_dev; /* the kernel's dev_t: major << 20 | minor */
    unsigned long s_magic;
};
struct inode {
    unsigned short i_mode;
    struct super_block* i_sb;
    unsigned long i_ino;
    union {
        const unsigned int i_nlink;
        unsigned int __i_nlink;
    };
    __s64 i_size;
};
struct vfsmount;
struct dentry;
struct path {
    struct vfsmount* mnt;
    struct dentry* dentry;
};
/* The vfsmount is embedded in the kernel-private struct mount, which has the id /proc shows. */
struct vfsmount {
    struct dentry* mnt_root;
};
struct mount {
    struct vfsmount mnt;
    int mnt_id;
};
struct file {
    struct inode* f_inode;
    unsigned int f_flags;
    union {
        const struct path f_path;
        struct path __f_path;
    };
    __s64 f_pos;
};
struct fdtable {
    unsigned long* close_on_exec;
};
struct files_struct {
    struct fdtable* fdt;
};
struct bpf_iter__task_file {
    struct bpf_iter_meta* meta;
    struct task_struct* task;
    __u32 fd;
    struct file* file;
};

#pragma clang attribute pop

#endif
