// SPDX-License-Identifier: Apache-2.0
// Opening host files for hashing without side effects.
#pragma once

#include <sys/stat.h>

#include <string>

#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/result.hpp"

namespace irsnap::posix {

/// Opens `path` (relative to `dirfd`) read-only for hashing, only if it is a regular file:
/// opening a device node runs driver code (a tape rewinds, a watchdog arms) and a FIFO blocks,
/// so the type is checked with stat before open, and again with fstat after (same dev/ino).
/// O_NOATIME when the kernel allows it (owner or CAP_FOWNER). `follow` = false refuses a
/// symlink as the last component. On success `st` holds the opened file's fstat.
/// The error's stage is "type" when the file is not a regular file.
Result<UniqueFd> open_regular_for_hash(int dirfd, const std::string& path, bool follow,
                                       struct stat& st);

/// The hash cache's identity of an fstat'ed file.
FileKey file_key(const struct stat& st);

}  // namespace irsnap::posix
