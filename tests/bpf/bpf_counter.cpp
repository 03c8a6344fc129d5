// SPDX-License-Identifier: Apache-2.0
// Loads count_getdents.bpf.c, attaches it to syscalls:sys_exit_getdents64, prints "ready" and
// keeps it attached until stdin closes (or a signal ends the process: the kernel then detaches
// and unloads it with the last descriptor).
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstdio>

#include "count_getdents.skel.h"

int main() {
    irsnap_count_getdents* skeleton = irsnap_count_getdents__open_and_load();
    if (!skeleton) {
        std::perror("load");
        return 1;
    }
    if (irsnap_count_getdents__attach(skeleton) != 0) {
        std::perror("attach");
        irsnap_count_getdents__destroy(skeleton);
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    irsnap_count_getdents__destroy(skeleton);
    return 0;
}
