// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "irsnap/result.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap::posix {

using irsnap::UniqueFd;

/// Opens a directory read-only (O_DIRECTORY|O_CLOEXEC|O_NONBLOCK), relative to `dirfd`
/// (AT_FDCWD allowed). O_DIRECTORY fails with ENOTDIR on a FIFO or device before opening it.
/// `extra_flags` adds O_NOFOLLOW for walks that must not leave their tree.
Result<UniqueFd> open_dir_at(int dirfd, const std::string& path, int extra_flags = 0);

/// Opens a file to read it, relative to `dirfd` (AT_FDCWD allowed), the one way every file the
/// collector reads by name is opened: O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC, O_NOATIME when
/// the kernel allows it (owner or CAP_FOWNER; retried without on EPERM), `extra_flags` added
/// (O_NOFOLLOW ...). The host is the attacker's: a FIFO planted at the path would block a plain
/// open() forever, and opening a device runs driver code (a link to /dev/watchdog arms it), so
/// the path is first taken as an O_PATH descriptor (no open routine runs), fstat()ed, and only a
/// regular file is then opened, through /proc/self/fd (the same inode; /proc and /sys
/// pseudo-files are regular too). Error stage "type" with EINVAL for anything else. `st`
/// receives the fstat when given.
Result<UniqueFd> open_regular_at(int dirfd, const std::string& name, int extra_flags = 0,
                                 struct ::stat* st = nullptr);

/// Reads a whole (pseudo-)file relative to `dirfd` through open_regular_at, at most
/// `max_bytes`: never blocks on a FIFO, never opens a device, and a huge or endless file costs
/// at most the cap. /proc files report size 0, so it reads until EOF or the cap. `truncated`,
/// when given, tells whether the file had more than `max_bytes` (callers that parse the text
/// record it: a cut list is not the whole list).
Result<std::string> read_file_at(int dirfd, const std::string& name, size_t max_bytes = 1 << 22,
                                 bool* truncated = nullptr);

/// The default cap of read_file_at, for callers that report a truncation.
inline constexpr size_t k_default_read_cap = 1 << 22;

Result<std::string> read_link_at(int dirfd, const std::string& name);

/// The numeric entries of a directory (/proc's pids, a process's fd/ or task/), ascending by
/// value, so output order never depends on the directory's own order (fixture trees on ext4
/// list in hash order). Names longer than 9 digits are skipped. Empty when it cannot be listed.
std::vector<int32_t> numeric_entries(int dirfd);

/// Opens `relative` below the directory `root_fd` as if `root_fd` were "/": every symlink on the
/// way, absolute or climbing with "..", resolves inside it, so a mounted image's
/// /etc/resolv.conf -> /run/... link is read from the image, never from the analyst's host.
/// openat2(RESOLVE_IN_ROOT) where the kernel has it (5.6+), else a component-by-component walk
/// (which can race with a concurrent rename; fine for reading configuration). `flags` are added
/// to O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK (a FIFO must not block the open); O_NOATIME is tried
/// first and dropped on EPERM (not the file's owner).
Result<UniqueFd> open_in_root(int root_fd, const std::string& relative, int flags = 0);

/// The component walk open_in_root falls back to without openat2; public so tests exercise it
/// on kernels that have openat2. Same `flags` convention.
Result<UniqueFd> open_in_root_by_walk(int root_fd, const std::string& relative, int flags = 0);

/// True for errno values that mean "the process or file went away while we looked".
bool is_race_errno(int code);
/// True for errno values that mean "not allowed to see this".
bool is_denied_errno(int code);

}  // namespace irsnap::posix
