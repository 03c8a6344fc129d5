// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/detached_mount.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hidden_pids.hpp"
#include "irsnap/private_proc_root.hpp"

namespace irsnap {

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
    auto instance = detached_mount("proc");
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
