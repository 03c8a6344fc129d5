// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/hash_open.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace irsnap::posix {

Result<UniqueFd> open_regular_for_hash(int dirfd, const std::string& path, bool follow,
                                       struct stat& st) {
    struct stat before {};
    if (::fstatat(dirfd, path.c_str(), &before, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
        return ItemError::from_errno("stat", errno, path);
    }
    if (!S_ISREG(before.st_mode))
        return ItemError::without_code("type", path, "not a regular file");
    // The shared opener (O_NONBLOCK, fstat): should the file be swapped for a FIFO between
    // stat and open, open must not hang.
    auto opened = open_regular_at(dirfd, path, follow ? 0 : O_NOFOLLOW, &st);
    if (!opened) {
        if (opened.error().stage == "type") {
            return ItemError::without_code("open", path, "file changed while being opened");
        }
        return opened.error();
    }
    UniqueFd owner = std::move(*opened);
    if (!S_ISREG(st.st_mode) || st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
        return ItemError::without_code("open", path, "file changed while being opened");
    }
    return owner;
}

FileKey file_key(const struct stat& st) {
    return FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                   static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

}  // namespace irsnap::posix
