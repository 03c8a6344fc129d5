// SPDX-License-Identifier: Apache-2.0
// list_directory (bundle_fs.hpp) on Linux: readdir through the descriptor itself, so the listing
// is of the directory that was opened with O_NOFOLLOW, not of whatever its path names now.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "irsnap/bundle_fs.hpp"

namespace irsnap {
namespace {

EntryType type_of(int dir_fd, const dirent& e) {
    switch (e.d_type) {
        case DT_REG:
            return EntryType::regular;
        case DT_DIR:
            return EntryType::directory;
        case DT_LNK:
            return EntryType::symlink;
        case DT_UNKNOWN:
            break;  // some file systems do not fill d_type: ask, never following a link
        default:
            return EntryType::other;
    }
    struct stat st {};
    if (::fstatat(dir_fd, e.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return EntryType::other;
    if (S_ISREG(st.st_mode)) return EntryType::regular;
    if (S_ISDIR(st.st_mode)) return EntryType::directory;
    if (S_ISLNK(st.st_mode)) return EntryType::symlink;
    return EntryType::other;
}

}  // namespace

std::vector<DirEntry> list_directory(int dir_fd, std::string& error, size_t max_entries) {
    std::vector<DirEntry> out;
    // fdopendir takes the descriptor over: give it a copy, the caller keeps its own.
    const int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        error = std::strerror(errno);
        return out;
    }
    DIR* dir = ::fdopendir(copy);
    if (dir == nullptr) {
        error = std::strerror(errno);
        ::close(copy);
        return out;
    }
    ::rewinddir(dir);  // the copy shares its offset with the caller's descriptor
    for (;;) {
        errno = 0;
        const dirent* e = ::readdir(dir);
        if (e == nullptr) {
            if (errno != 0) error = std::strerror(errno);
            break;
        }
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        if (out.size() >= max_entries) {
            error = "more than " + std::to_string(max_entries) + " entries; the rest not listed";
            break;
        }
        out.push_back({e->d_name, type_of(dir_fd, *e)});
    }
    ::closedir(dir);
    return out;
}

}  // namespace irsnap
