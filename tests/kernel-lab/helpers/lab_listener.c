// SPDX-License-Identifier: Apache-2.0
// The listener a lab rootkit hides: a static program with a name of its own ("lab_listener", the
// owner the host checks) that listens on 127.0.0.1:PORT (argv[1]) and sleeps until the guest
// powers off. It accepts no connection. lab.sh builds it with gcc -static; the guest starts it in
// the background after bringing lo up.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: lab_listener PORT\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("lab_listener: socket");
        return 1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr*)&a, sizeof a) != 0 || listen(fd, 8) != 0) {
        perror("lab_listener: bind/listen");
        return 1;
    }
    for (;;) pause();
}
