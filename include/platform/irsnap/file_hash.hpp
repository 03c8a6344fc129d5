// SPDX-License-Identifier: Apache-2.0
// Hashing an open file: the read loop every digest of a host file goes through.
#pragma once

#include <atomic>
#include <cstdint>

#include "irsnap/hash.hpp"

namespace irsnap {

/// Hash an already-open file descriptor from its start, reading at most `max_bytes` (0 = no limit;
/// a larger file is skipped, not truncated, so a digest always covers the whole file). Stops with
/// a note when `cancel` becomes true. `package_digests` (a PackageDigest mask) adds the digests
/// the host's package database records, from the same read.
FileHash hash_fd(int fd, uint64_t size, uint64_t max_bytes, const std::atomic<bool>* cancel,
                 unsigned package_digests = 0);

/// Tells the OS that `fd` is read once, front to back (Linux: POSIX_FADV_SEQUENTIAL, which keeps
/// the host's page cache smaller). Windows has no such hint for an open descriptor.
void advise_sequential_read(int fd);

}  // namespace irsnap
