// SPDX-License-Identifier: Apache-2.0
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "irsnap/os_random.hpp"

namespace irsnap {

void os_random(void* buffer, size_t size) {
    auto* out = static_cast<unsigned char*>(buffer);
    while (size > 0) {
        // Flags 0: block until the kernel's pool is initialised, never a weak early-boot value.
        const ssize_t got = ::getrandom(out, size, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
        }
        out += got;
        size -= static_cast<size_t>(got);
    }
}

}  // namespace irsnap
