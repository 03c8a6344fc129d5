// SPDX-License-Identifier: Apache-2.0
#include <windows.h>
// windows.h first: bcrypt.h needs its types.
#include <bcrypt.h>

#include <climits>
#include <cstdint>
#include <stdexcept>

#include "irsnap/os_random.hpp"
#include "irsnap/text.hpp"

namespace irsnap {

void os_random(void* buffer, size_t size) {
    auto* out = static_cast<unsigned char*>(buffer);
    while (size > 0) {
        const ULONG part = size > ULONG_MAX ? ULONG_MAX : static_cast<ULONG>(size);
        const NTSTATUS status =
            BCryptGenRandom(nullptr, out, part, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
        if (!BCRYPT_SUCCESS(status)) {
            const auto code = static_cast<uint32_t>(status);
            const unsigned char bytes[4] = {
                static_cast<unsigned char>(code >> 24), static_cast<unsigned char>(code >> 16),
                static_cast<unsigned char>(code >> 8), static_cast<unsigned char>(code)};
            throw std::runtime_error("BCryptGenRandom failed: NTSTATUS 0x" + to_hex(bytes, 4));
        }
        out += part;
        size -= part;
    }
}

}  // namespace irsnap
