// SPDX-License-Identifier: Apache-2.0
// Which processes hold which socket: one walk of /proc/*/fd, matching "socket:[INODE]" links.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/collector.hpp"

namespace irsnap::procfs {

/// The inode in a "socket:[12345]" fd link target; nullopt for anything else.
std::optional<uint64_t> parse_socket_link(std::string_view target);

struct SocketOwner {
    int64_t pid = 0;
    int64_t fd = 0;
    std::string name;  ///< comm of the owning process
};

struct SocketOwners {
    std::map<uint64_t, std::vector<SocketOwner>> by_inode;
    uint64_t processes_denied = 0;  ///< fd directories we could not list (not root)
    uint64_t races = 0;             ///< processes that exited during the walk
};

/// Walks <proc_root>/*/fd once. Privileges: root (CAP_SYS_PTRACE) to see other users' fds;
/// without it their sockets have no owner and `processes_denied` says how many were hidden.
SocketOwners walk_socket_owners(const Context& ctx);

}  // namespace irsnap::procfs
