// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/fd_util.hpp"

#include "irsnap/file_type.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

namespace irsnap::posix {

Result<UniqueFd> open_dir_at(int dirfd, const std::string& path, int extra_flags) {
    int fd = ::openat(dirfd, path.c_str(),
                      O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | extra_flags);
    if (fd < 0) return ItemError::from_errno("open", errno, path);
    return UniqueFd(fd);
}

Result<UniqueFd> open_regular_at(int dirfd, const std::string& name, int extra_flags,
                                 struct ::stat* st_out) {
    // First an O_PATH descriptor: it names the inode without opening it, so no driver's open
    // routine runs (a symlink to /dev/watchdog arms the watchdog on open; a tape rewinds) and a
    // FIFO is never waited on. Only a regular file is then opened, through that descriptor's
    // /proc/self/fd link: the same inode, so nothing can be swapped in between.
    const int path_flags = O_PATH | O_CLOEXEC | (extra_flags & (O_NOFOLLOW | O_DIRECTORY));
    const int path_fd = ::openat(dirfd, name.c_str(), path_flags);
    if (path_fd < 0) return ItemError::from_errno("open", errno, name);
    UniqueFd path_owner(path_fd);
    struct ::stat st {};
    if (::fstat(path_fd, &st) != 0) return ItemError::from_errno("stat", errno, name);
    if (!S_ISREG(st.st_mode)) {
        return ItemError::from_errno(
            "type", EINVAL, name,
            std::string("refused: ") + file_type_name(st.st_mode) + ", not a regular file");
    }
    // O_NONBLOCK changes nothing for a regular file and is kept as a second guard. O_NOATIME
    // keeps host files' access times as they were (evidence); the kernel allows it only to the
    // file's owner or CAP_FOWNER.
    const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                      (extra_flags & ~(O_NOFOLLOW | O_DIRECTORY | O_PATH));
    const std::string link = "/proc/self/fd/" + std::to_string(path_fd);
    int fd = ::open(link.c_str(), flags | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::open(link.c_str(), flags);
    if (fd < 0 && errno == ENOENT) {
        // No /proc in this mount namespace: open by name, and check below that it is the same
        // inode the O_PATH descriptor saw.
        fd = ::openat(dirfd, name.c_str(), flags | (extra_flags & O_NOFOLLOW) | O_NOATIME);
        if (fd < 0 && errno == EPERM) {
            fd = ::openat(dirfd, name.c_str(), flags | (extra_flags & O_NOFOLLOW));
        }
    }
    if (fd < 0) return ItemError::from_errno("open", errno, name);
    UniqueFd owner(fd);
    struct ::stat opened {};
    if (::fstat(fd, &opened) != 0) return ItemError::from_errno("stat", errno, name);
    if (opened.st_dev != st.st_dev || opened.st_ino != st.st_ino || !S_ISREG(opened.st_mode)) {
        return ItemError::from_errno("type", EINVAL, name,
                                     "refused: the file changed while it was opened");
    }
    if (st_out) *st_out = opened;
    return owner;
}

Result<std::string> read_file_at(int dirfd, const std::string& name, size_t max_bytes,
                                 bool* truncated) {
    if (truncated) *truncated = false;
    auto opened = open_regular_at(dirfd, name);
    if (!opened) return opened.error();
    const int fd = opened->get();
    std::string data;
    char buf[16384];
    while (data.size() < max_bytes) {
        ssize_t n = ::read(fd, buf, std::min(sizeof buf, max_bytes - data.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            return ItemError::from_errno("read", errno, name);
        }
        if (n == 0) return data;
        data.append(buf, static_cast<size_t>(n));
    }
    // At the cap: one more byte tells a file of exactly max_bytes from a longer one.
    if (truncated) {
        char probe = 0;
        ssize_t n = 0;
        do {
            n = ::read(fd, &probe, 1);
        } while (n < 0 && errno == EINTR);
        *truncated = n > 0;
    }
    return data;
}

std::vector<int32_t> numeric_entries(int dirfd) {
    std::vector<int32_t> out;
    DIR* dir = fdopendir(::dup(dirfd));  // closedir() must not close the caller's fd
    if (!dir) return out;
    // The duplicate shares the caller's file offset: start at the beginning, so listing the same
    // directory descriptor again (a re-check) sees every entry, not none.
    rewinddir(dir);
    while (dirent* e = readdir(dir)) {
        const char* s = e->d_name;
        if (!*s || std::strspn(s, "0123456789") != std::strlen(s) || std::strlen(s) > 9) continue;
        out.push_back(static_cast<int32_t>(std::strtol(s, nullptr, 10)));
    }
    closedir(dir);
    std::sort(out.begin(), out.end());
    return out;
}

Result<std::string> read_link_at(int dirfd, const std::string& name) {
    std::string buf(256, '\0');
    while (true) {
        ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
        if (n < 0) return ItemError::from_errno("readlink", errno, name);
        if (static_cast<size_t>(n) < buf.size()) {
            // A fresh string, not buf resized: callers keep 10^5 of these (one per descriptor)
            // and a resized buffer would keep its 256-byte capacity each.
            return std::string(buf.data(), static_cast<size_t>(n));
        }
        if (buf.size() > (1u << 16))
            return ItemError::from_errno("readlink", ENAMETOOLONG, name, "too long");
        buf.resize(buf.size() * 2);
    }
}

namespace {

std::deque<std::string> components(const std::string& path) {
    std::deque<std::string> out;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        if (slash > start) out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
    return out.empty() ? "." : out;
}

int open_with_noatime(int dirfd, const std::string& path, int flags) {
    int fd = ::openat(dirfd, path.c_str(), flags | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::openat(dirfd, path.c_str(), flags);
    return fd;
}

}  // namespace

Result<UniqueFd> open_in_root(int root_fd, const std::string& relative, int flags) {
    // openat2 refuses (EINVAL) any flag an O_PATH descriptor cannot use, where open ignores it.
    const bool path_only = (flags & O_PATH) != 0;
    flags = path_only ? (flags & (O_PATH | O_NOFOLLOW | O_DIRECTORY)) | O_CLOEXEC
                      : flags | O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    open_how how{};
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    for (bool noatime : {true, false}) {
        if (noatime && path_only) continue;
        how.flags = static_cast<uint64_t>(flags | (noatime ? O_NOATIME : 0));
        long fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how);
        if (fd >= 0) return UniqueFd(static_cast<int>(fd));
        if (errno == ENOSYS) return open_in_root_by_walk(root_fd, relative, flags);
        if (!(noatime && errno == EPERM)) break;
    }
    return ItemError::from_errno("open", errno, relative);
}

/// The walk for kernels without openat2: resolve each component ourselves, clamping ".." and
/// absolute link targets at the root.
Result<UniqueFd> open_in_root_by_walk(int root_fd, const std::string& relative, int flags) {
    flags |= O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    std::deque<std::string> todo = components(relative);
    std::vector<std::string> done;
    int hops = 0;
    while (!todo.empty()) {
        std::string c = std::move(todo.front());
        todo.pop_front();
        if (c == ".") continue;
        if (c == "..") {
            if (!done.empty()) done.pop_back();
            continue;
        }
        done.push_back(c);
        const std::string path = join(done);
        struct stat st {};
        if (::fstatat(root_fd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            return ItemError::from_errno("open", errno, relative);
        }
        if (!S_ISLNK(st.st_mode)) continue;
        if (++hops > 40)
            return ItemError::from_errno("open", ELOOP, relative, "too many symbolic links");
        auto target = read_link_at(root_fd, path);
        if (!target) return target.error();
        done.pop_back();
        if (!target->empty() && (*target)[0] == '/') done.clear();
        auto more = components(*target);
        todo.insert(todo.begin(), more.begin(), more.end());
    }
    int fd = open_with_noatime(root_fd, join(done), flags | O_NOFOLLOW);
    if (fd < 0) return ItemError::from_errno("open", errno, relative);
    return UniqueFd(fd);
}

bool is_race_errno(int code) {
    return code == ENOENT || code == ESRCH;
}

bool is_denied_errno(int code) {
    return code == EACCES || code == EPERM;
}

}  // namespace irsnap::posix
