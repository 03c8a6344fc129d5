// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hidden_pids.hpp"
#include "irsnap/private_proc_root.hpp"

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

/// A read-only procfs instance of irsnap's pid namespace, attached nowhere.
Result<UniqueFd> make_instance() {
    const int fs = static_cast<int>(::syscall(SYS_fsopen, "proc", k_fsopen_cloexec));
    if (fs < 0) return ItemError::from_errno("fsopen", errno, "proc");
    UniqueFd context(fs);
    if (::syscall(SYS_fsconfig, fs, k_fsconfig_cmd_create, nullptr, nullptr, 0) != 0) {
        return ItemError::from_errno("fsconfig", errno, "proc");
    }
    const int mount = static_cast<int>(::syscall(
        SYS_fsmount, fs, k_fsmount_cloexec,
        k_mount_attr_rdonly | k_mount_attr_nosuid | k_mount_attr_nodev | k_mount_attr_noexec));
    if (mount < 0) return ItemError::from_errno("fsmount", errno, "proc");
    return UniqueFd(mount);
}

}  // namespace

std::optional<PrivateProcRoot> private_proc_root_if_covered(const std::string& proc_root,
                                                            std::string& why) {
    why.clear();
    if (proc_root != "/proc") return std::nullopt;  // a fixture or image: read as given
    auto text = posix::read_file_at(AT_FDCWD, "/proc/self/mountinfo");
    if (!text) return std::nullopt;
    std::string covers;
    for (const auto& f :
         hidden::find_covering_mounts(procfs::parse_proc_pid_mountinfo(*text), "/proc")) {
        if (!covers.empty()) covers += "; ";
        covers += f.mount ? fmt::format("{} mount at {}", f.mount->fs_type, f.mount->mount_point)
                          : f.kind;
    }
    if (covers.empty()) return std::nullopt;
    auto instance = make_instance();
    if (!instance) {
        why = fmt::format(
            "/proc is covered ({}), but no private procfs could be made ({}: {}): "
            "the host's /proc is read",
            covers, instance.error().stage, instance.error().text());
        return std::nullopt;
    }
    PrivateProcRoot out;
    out.path = fmt::format("/proc/self/fd/{}", instance->get());
    // The path goes through the host's /proc once (self/fd): when /proc itself is covered by
    // something that has no self/fd, the instance cannot be reached by path.
    if (::faccessat(AT_FDCWD, (out.path + "/self").c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
        why = fmt::format(
            "/proc is covered ({}) and the private procfs is unreachable through "
            "it: the host's /proc is read",
            covers);
        return std::nullopt;
    }
    out.mount = std::move(*instance);
    out.why = fmt::format(
        "/proc is covered ({}): /proc is read through a private procfs "
        "instance, attached to no mount tree",
        covers);
    why = out.why;
    return out;
}

}  // namespace irsnap
