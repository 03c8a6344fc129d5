// SPDX-License-Identifier: Apache-2.0
// Sockets inside another network namespace (a container's), for netlink views of its state.
#pragma once

#include <functional>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/result.hpp"

namespace irsnap::netns {

/// A socket created inside the network namespace `netns_fd` (an open /proc/PID/ns/net), or in
/// the caller's own when `netns_fd` < 0. A socket keeps the namespace it was created in, so only
/// a short-lived thread enters the namespace (setns) and the rest of irsnap never does.
/// Privileges: CAP_SYS_ADMIN (root) for another namespace; EPERM otherwise.
Result<posix::UniqueFd> socket_in(int netns_fd, int domain, int type, int protocol);

/// The descriptor `make` returns (or -1 with errno set), made inside the network namespace
/// `netns_fd` by a short-lived thread as socket_in() does, or by the caller when `netns_fd` < 0.
/// For anything that keeps the namespace it was created in (a BPF socket iterator). `stage`
/// names the failed call in the error.
Result<posix::UniqueFd> fd_in(int netns_fd, const std::function<int()>& make, const char* stage);

}  // namespace irsnap::netns
