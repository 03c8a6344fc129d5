// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/detached_mount.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace irsnap {
namespace {

// From <linux/mount.h>, which clashes with glibc's <sys/mount.h>; the values are ABI.
constexpr unsigned k_fsopen_cloexec = 0x1;
constexpr unsigned k_fsconfig_cmd_create = 6;
constexpr unsigned k_fsmount_cloexec = 0x1;
constexpr unsigned k_mount_attr_rdonly = 0x1;
constexpr unsigned k_mount_attr_nosuid = 0x2;
constexpr unsigned k_mount_attr_nodev = 0x4;
constexpr unsigned k_mount_attr_noexec = 0x8;

}  // namespace

Result<UniqueFd> detached_mount(const char* fstype) {
    const int fs = static_cast<int>(::syscall(SYS_fsopen, fstype, k_fsopen_cloexec));
    if (fs < 0) return ItemError::from_errno("fsopen", errno, fstype);
    const UniqueFd context(fs);
    if (::syscall(SYS_fsconfig, fs, k_fsconfig_cmd_create, nullptr, nullptr, 0) != 0) {
        return ItemError::from_errno("fsconfig", errno, fstype);
    }
    const int mount = static_cast<int>(::syscall(
        SYS_fsmount, fs, k_fsmount_cloexec,
        k_mount_attr_rdonly | k_mount_attr_nosuid | k_mount_attr_nodev | k_mount_attr_noexec));
    if (mount < 0) return ItemError::from_errno("fsmount", errno, fstype);
    return UniqueFd(mount);
}

}  // namespace irsnap
