// SPDX-License-Identifier: Apache-2.0
// The Linux walk of the file-system timeline: which directories (linux_roots) and how they are
// read (walk_linux). See timeline.hpp for the entry, the bounds and the report.
#pragma once

#include <string_view>
#include <vector>

#include "irsnap/host_view.hpp"
#include "irsnap/linux/users.hpp"
#include "irsnap/timeline.hpp"

namespace irsnap::timeline {

/// The Linux roots in walk order: the temporary places (/tmp, /var/tmp, /dev/shm, /run/user),
/// /etc, /usr/local, /opt, the binary directories (/usr/bin, /usr/sbin, /bin, /sbin), all
/// entries; then the library directories (/usr/lib, /usr/lib64, /usr/libexec, /lib, /lib64),
/// only entries changed within the window (/usr/lib alone holds some 100 000 files); then the
/// homes, all entries: /root, /home, and each account's home from /etc/passwd that is absolute,
/// not "/", not under /proc, /sys or /dev, not already a root or under /home, and not a parent
/// of a root (an account whose home is /var or /usr would otherwise walk all of it). Homes come
/// last because they are the ones without a size bound: a developer's home alone can fill the
/// record limit, and the bounded places must not be lost to it.
std::vector<Root> linux_roots(const std::vector<users::PasswdEntry>& accounts);

/// What a mounted file system is to the walk.
enum class MountKind : uint8_t {
    disk,    ///< ext4, xfs, btrfs, vfat ...: a mount point inside a root is not entered
    memory,  ///< tmpfs, ramfs: holds only what was put there since boot; entered
    remote,  ///< network or FUSE (nfs, cifs, sshfs, fuse.*): never touched, may hang
    pseudo,  ///< proc, sysfs, cgroup, devtmpfs, debugfs ...: no files that land there
};
MountKind mount_kind(std::string_view fs_type);

/// Walks `roots` below host.host_root (--root), each opened with its symlinks resolved inside
/// the root, and reports every entry to `visitor`:
/// - openat/statx on directory descriptors, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT: a symlink is
///   recorded as a symlink (with its text) and never followed; only directories are opened
///   (O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK, O_NOATIME where permitted), so no FIFO is waited on and
///   no device is opened; a directory replaced between listing and opening is a race.
/// - one file system per root: the mount points listed in /proc/self/mountinfo (under the host
///   root), or a directory whose statx says mount root or whose device differs, are not entered
///   and are counted for coverage; memory file systems (tmpfs) are the exception. A root on a
///   network or FUSE file system is not walked at all (it could hang the run).
/// - a directory reached as a root is walked once: a later root that is the same directory
///   (/bin on merged /usr), or a subdirectory that is a root of its own, is skipped.
/// - bounded by `limits` and host.should_stop(); the report says where it stopped and why.
/// Privileges: root to read other users' homes and mode-0700 directories; without, they are
/// counted in report.denied.
Report walk_linux(const HostView& host, const std::vector<Root>& roots, const Limits& limits,
                  Visitor& visitor);

}  // namespace irsnap::timeline
