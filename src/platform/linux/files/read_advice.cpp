// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>

#include "irsnap/file_hash.hpp"

namespace irsnap {

void advise_sequential_read(int fd) {
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

}  // namespace irsnap
