// SPDX-License-Identifier: Apache-2.0
// The platform-independent part of open_handles.hpp; the walk itself is per platform.
#include "irsnap/open_handles.hpp"

namespace irsnap {

HandleContent HandleContent::of(FileHash hash) {
    HandleContent out;
    std::array<uint8_t, 32> digest{};
    if (hash.sha256 && hash.sha256->size() == 64) {
        auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
        for (size_t i = 0; i < 32; ++i) {
            digest[i] = static_cast<uint8_t>(nibble((*hash.sha256)[2 * i]) << 4 |
                                             nibble((*hash.sha256)[2 * i + 1]));
        }
        out.sha256 = digest;
    } else {
        out.note = std::move(hash.note);
    }
    return out;
}

std::string HandleContent::sha256_hex() const {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    if (!sha256) return out;
    out.reserve(64);
    for (uint8_t byte : *sha256) {
        out.push_back(k_hex[byte >> 4]);
        out.push_back(k_hex[byte & 15]);
    }
    return out;
}

}  // namespace irsnap
