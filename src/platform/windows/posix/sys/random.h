// SPDX-License-Identifier: Apache-2.0
// Windows build only: <sys/random.h> does not exist in mingw-w64. getrandom() over
// BCryptGenRandom (the system's preferred RNG), for the bundle's random name suffix.
#pragma once
#include "irsnap_posix.hpp"

extern "C++" {
/// Fills `buf` with `count` random bytes; `flags` is ignored. Returns `count`, or -1 with errno.
ssize_t getrandom(void* buf, size_t count, unsigned int flags);
}
