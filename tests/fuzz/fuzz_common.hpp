// SPDX-License-Identifier: Apache-2.0
// Shared bits of the libFuzzer targets: the input as a string_view, and a check that aborts the
// run (libFuzzer then saves the input as a crash) when a parser breaks one of its promises.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace irsnap::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace irsnap::fuzz

/// Traps (SIGILL, reported by libFuzzer as a crash) when an invariant does not hold.
#define FUZZ_CHECK(cond)               \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)
