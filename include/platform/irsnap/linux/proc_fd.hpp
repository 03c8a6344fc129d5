// SPDX-License-Identifier: Apache-2.0
// Pure parsers for what /proc/PID/fd and /proc/PID/fdinfo show.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace irsnap::procfs {

/// The inode in a "socket:[12345]" fd link target; nullopt for anything else.
std::optional<uint64_t> parse_socket_link(std::string_view target);

/// /proc/PID/fdinfo/N: "pos:\t0\nflags:\t0100002\nmnt_id:\t15\nino:\t42\n" plus type-specific
/// lines (eventfd-count, tfd, inotify ...), which are ignored. flags are octal.
struct FdInfo {
    uint64_t pos = 0;
    uint32_t flags = 0;
    int32_t mnt_id = -1;
};
/// nullopt when pos or flags is missing or malformed.
std::optional<FdInfo> parse_proc_pid_fdinfo(std::string_view text);

/// What an open descriptor is, decided from the link text and the file's st_mode.
struct FdKind {
    std::string type;       ///< file, directory, socket, pipe, fifo, char_device, block_device,
                            ///< anon_inode, memfd, symlink, unknown
    std::string anon_kind;  ///< for anon_inode: eventfd, eventpoll, bpf-map, inotify ...
    bool deleted = false;   ///< regular file or memfd whose last name is gone
};
/// `has_stat` false means mode and nlink are unknown (stat failed): decided from the text only.
FdKind classify_fd(std::string_view target, uint32_t mode, uint32_t nlink, bool has_stat);

/// Open flags as names: access mode first (O_RDONLY, O_WRONLY, O_RDWR), then the others
/// that matter to an analyst (O_APPEND, O_CREAT, O_TRUNC, O_NONBLOCK, O_CLOEXEC, O_PATH ...).
std::string describe_open_flags(uint32_t flags);

}  // namespace irsnap::procfs
