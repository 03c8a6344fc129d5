// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/netns.hpp"

#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace irsnap::netns {

Result<posix::UniqueFd> socket_in(int netns_fd, int domain, int type, int protocol) {
    int fd = -1;
    int error = 0;
    const char* stage = "socket";
    auto create = [&] {
        if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) {
            error = errno;
            stage = "setns";
            return;
        }
        fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
        if (fd < 0) error = errno;
    };
    if (netns_fd < 0) {
        create();
    } else {
        // The namespace is per thread: this thread enters it, makes the socket and ends.
        std::thread(create).join();
    }
    if (fd < 0) return ItemError::from_errno(stage, error, "");
    return posix::UniqueFd(fd);
}

}  // namespace irsnap::netns
