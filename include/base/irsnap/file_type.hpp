// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/stat.h>

namespace irsnap {

/// What a file that is not a regular one is, for the line that says it was refused: "a FIFO",
/// "a character device" ... (the Windows build's POSIX layer has no sockets or block devices).
inline const char* file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
#ifdef S_ISSOCK
    if (S_ISSOCK(mode)) return "a socket";
#endif
#ifdef S_ISBLK
    if (S_ISBLK(mode)) return "a block device";
#endif
    return "not a regular file";
}

}  // namespace irsnap
