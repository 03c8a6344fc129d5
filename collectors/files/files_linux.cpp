// SPDX-License-Identifier: Apache-2.0
// The files collector's host access on Linux: the root is --root, homes come from the root's
// /etc/passwd, and files open through open_regular_at (type checked before the open,
// O_NOATIME where allowed, never a symlink).
#include <fcntl.h>
#include <sys/stat.h>

#include <set>

#include "files.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/users.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors {

std::string files_root(const Context& ctx) {
    return ctx.host_root.string();
}

std::vector<std::string> home_directories(const Context& ctx, int root_fd) {
    (void)ctx;
    std::set<std::string> homes{"root"};
    auto passwd = posix::read_file_at(root_fd, "etc/passwd", 4 << 20);
    if (passwd) {
        for (const auto& entry : users::parse_etc_passwd(*passwd)) {
            const std::string& home = entry.home;
            // Service accounts point at / or /nonexistent; only real directories are walked,
            // and a home outside the tree ("..") is never followed.
            if (home.size() < 2 || home.front() != '/' || home.find("..") != std::string::npos) {
                continue;
            }
            homes.insert(home.substr(1));
        }
    }
    return {homes.begin(), homes.end()};
}

OpenedHostFile open_host_file(int dir_fd, const std::string& name) {
    OpenedHostFile out;
    struct stat st {};
    auto fd = posix::open_regular_at(dir_fd, name, O_NOFOLLOW, &st);
    if (!fd) {
        const auto& e = fd.error();
        out.error = e.message;
        out.denied = posix::is_denied_errno(e.code);
        // O_PATH|O_NOFOLLOW opens a symlink itself, whose type is then refused.
        out.not_regular = e.stage == "type";
        struct stat link {};
        if (out.not_regular && ::fstatat(dir_fd, name.c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(link.st_mode)) {
            // Where it points is evidence (a history linked to /dev/null hides commands).
            auto target = posix::read_link_at(dir_fd, name);
            bool escaped = false;
            out.error = "a symbolic link" +
                        (target ? " to " + escape_bytes(*target, escaped) : std::string()) +
                        "; not followed";
        }
        return out;
    }
    out.fd = std::move(*fd);
    out.size = static_cast<uint64_t>(st.st_size);
    out.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return out;
}

}  // namespace irsnap::collectors
