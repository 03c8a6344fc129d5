// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/netns.hpp"

#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace irsnap::netns {

Result<posix::UniqueFd> fd_in(int netns_fd, const std::function<int()>& make, const char* stage) {
    int fd = -1;
    int error = 0;
    const char* failed = stage;
    auto create = [&] {
        if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) {
            error = errno;
            failed = "setns";
            return;
        }
        fd = make();
        if (fd < 0) error = errno;
    };
    if (netns_fd < 0) {
        create();
    } else {
        // The namespace is per thread: this thread enters it, makes the descriptor and ends.
        std::thread(create).join();
    }
    if (fd < 0) return ItemError::from_errno(failed, error, "");
    return posix::UniqueFd(fd);
}

Result<posix::UniqueFd> socket_in(int netns_fd, int domain, int type, int protocol) {
    return fd_in(
        netns_fd, [&] { return ::socket(domain, type | SOCK_CLOEXEC, protocol); }, "socket");
}

}  // namespace irsnap::netns
