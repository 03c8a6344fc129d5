// SPDX-License-Identifier: Apache-2.0
// Every process's open descriptors from the kernel's own tables, read through a BPF iterator
// (iter/task_file): what the /proc/*/fd walk learns with four or five system calls per
// descriptor, in one pass. Parsing the stream is pure (tested and fuzzed over bytes); running
// the iterator is src/platform/linux/bpf_iter/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "irsnap/result.hpp"

namespace irsnap::kernel_view {

/// One open descriptor, as iter/task_file wrote it. The views point into the parsed bytes.
struct KernelFile {
    int32_t tgid = 0;  ///< process id in irsnap's pid namespace
    int32_t fd = 0;
    uint32_t flags = 0;  ///< open flags with O_CLOEXEC, as /proc/PID/fdinfo shows them
    uint32_t mode = 0;   ///< the inode's mode (type and permissions)
    uint32_t nlink = 0;
    int32_t mnt_id = -1;
    uint64_t device = 0;  ///< the file system's device, encoded as stat's st_dev
    uint64_t inode = 0;
    uint64_t size = 0;
    uint64_t position = 0;
    uint64_t fs_magic = 0;
    /// The link text /proc/PID/fd/N would show; nullopt when the kernel could not build it
    /// (path_error says why: ENAMETOOLONG ...), and the reader asks /proc instead.
    std::optional<std::string_view> path;
    int path_error = 0;
    std::string_view comm;  ///< the process's name, raw bytes
};

/// Parses the whole records at the start of `bytes`, calling `take` for each in order, and
/// returns how many bytes they used: a record cut at the end of a chunk is left for the caller
/// to carry into the next one. A record of another kind or an impossible size (an iterator
/// from a different build, or corruption) is an error, never a guess.
Result<size_t> parse_file_records(std::string_view bytes,
                                  const std::function<void(const KernelFile&)>& take);

/// Whether stat() on this file system reports the inode's own number and its super block's
/// device (generic attributes), so the iterator's values are what /proc/PID/fd/N's stat says.
/// Stacking and network file systems (overlayfs, btrfs subvolumes, NFS, FUSE), and those whose
/// getattr recomputes fields (proc, sysfs, cgroup), report others: their descriptors are
/// stat'ed through /proc.
bool stat_reports_inode(uint64_t fs_magic);

}  // namespace irsnap::kernel_view
