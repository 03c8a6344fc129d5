// SPDX-License-Identifier: Apache-2.0
// Windows build only: <poll.h> does not exist in mingw-w64. Not to be included beside <winsock2.h>,
// which has its own struct pollfd for WSAPoll (sockets only).
#pragma once
#include "irsnap_posix.hpp"

extern "C++" {
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
struct pollfd {
    int fd;
    short events;
    short revents;
};
using nfds_t = unsigned long;
int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms);
}
