// SPDX-License-Identifier: Apache-2.0
#include "fd_util.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace irsnap::posix {

void UniqueFd::reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

Result<UniqueFd> open_dir_at(int dirfd, const std::string& path) {
    int fd = ::openat(dirfd, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ItemError{"open", errno, path, std::strerror(errno)};
    return UniqueFd(fd);
}

Result<std::string> read_file_at(int dirfd, const std::string& name, size_t max_bytes) {
    // O_NOATIME keeps host files' access times as they were (evidence); the kernel allows it
    // only to the file's owner or CAP_FOWNER, so fall back without it.
    int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return ItemError{"open", errno, name, std::strerror(errno)};
    UniqueFd owner(fd);
    std::string data;
    char buf[16384];
    while (data.size() < max_bytes) {
        ssize_t n = ::read(fd, buf, std::min(sizeof buf, max_bytes - data.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            return ItemError{"read", errno, name, std::strerror(errno)};
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

Result<std::string> read_link_at(int dirfd, const std::string& name) {
    std::string buf(256, '\0');
    while (true) {
        ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
        if (n < 0) return ItemError{"readlink", errno, name, std::strerror(errno)};
        if (static_cast<size_t>(n) < buf.size()) {
            buf.resize(static_cast<size_t>(n));
            return buf;
        }
        if (buf.size() > (1u << 16)) return ItemError{"readlink", ENAMETOOLONG, name, "too long"};
        buf.resize(buf.size() * 2);
    }
}

bool is_race_errno(int code) {
    return code == ENOENT || code == ESRCH;
}

bool is_denied_errno(int code) {
    return code == EACCES || code == EPERM;
}

}  // namespace irsnap::posix
