// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

namespace irsnap {

/// Fills `buffer` with random bytes from the OS's own generator (Linux: getrandom, blocking until
/// the pool is seeded; Windows: BCryptGenRandom with the system-preferred RNG). Throws
/// std::runtime_error when the OS refuses: a key drawn from anything weaker must never be used.
/// (Per-OS: src/base/os_random_linux.cpp, src/base/os_random_windows.cpp.)
void os_random(void* buffer, size_t size);

}  // namespace irsnap
