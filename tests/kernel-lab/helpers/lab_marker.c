// SPDX-License-Identifier: Apache-2.0
// The physical-memory scenario's marker: a 32-byte value that exists in exactly one place in
// the guest's RAM. It is given as two hex halves A and B (on the command line and the serial
// console, as text) and only A xor B, computed byte by byte into one locked page, is the marker:
// so the host, knowing A and B, can count it in the image and expect it exactly once, at the
// physical address this program reads from /proc/self/pagemap and prints.
//
//   lab_marker HEX_A HEX_B   prints "PHYS 0x..." then "ready", then sleeps
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int main(int argc, char** argv) {
    if (argc != 3 || strlen(argv[1]) != 64 || strlen(argv[2]) != 64) {
        fprintf(stderr, "usage: lab_marker HEX_A HEX_B (64 lowercase hex digits each)\n");
        return 2;
    }
    long page = sysconf(_SC_PAGESIZE);
    volatile unsigned char* buf = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    if (buf == MAP_FAILED || mlock((const void*)buf, (size_t)page) != 0) {
        perror("lab_marker: mmap/mlock");
        return 1;
    }
    // Each byte of the marker is formed in a register and stored straight into the locked page:
    // no other copy of it is ever written.
    for (int i = 0; i < 32; i++) {
        int a1 = nibble(argv[1][2 * i]), a0 = nibble(argv[1][2 * i + 1]);
        int b1 = nibble(argv[2][2 * i]), b0 = nibble(argv[2][2 * i + 1]);
        if (a1 < 0 || a0 < 0 || b1 < 0 || b0 < 0) return 2;
        buf[256 + i] = (unsigned char)(((a1 << 4) | a0) ^ ((b1 << 4) | b0));
    }
    int fd = open("/proc/self/pagemap", O_RDONLY);
    uint64_t entry = 0;
    off_t at = (off_t)((uintptr_t)buf / (uintptr_t)page * sizeof entry);
    if (fd < 0 || pread(fd, &entry, sizeof entry, at) != (ssize_t)sizeof entry ||
        !(entry & (1ull << 63))) {
        perror("lab_marker: pagemap");
        return 1;
    }
    uint64_t pfn = entry & ((1ull << 55) - 1);
    printf("PHYS 0x%llx\nready\n", (unsigned long long)(pfn * (uint64_t)page + 256));
    fflush(stdout);
    for (;;) pause();
}
