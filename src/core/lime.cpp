// SPDX-License-Identifier: Apache-2.0
#include "irsnap/lime.hpp"

#include <cstring>

namespace irsnap::lime {
namespace {

// The format is little-endian on every host; irsnap only runs on little-endian ones, but the
// bytes are put together one by one so that the layout is explicit.
void put_le(std::string& out, uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t get_le(std::string_view in, size_t at, size_t bytes) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; ++i) {
        value |= uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
    }
    return value;
}

}  // namespace

std::string range_header(uint64_t start, uint64_t end) {
    std::string out;
    out.reserve(k_header_size);
    put_le(out, k_magic, 4);
    put_le(out, k_version, 4);
    put_le(out, start, 8);
    put_le(out, end - 1, 8);
    out.append(8, '\0');
    return out;
}

std::optional<RangeHeader> read_range_header(std::string_view bytes) {
    if (bytes.size() < k_header_size || get_le(bytes, 0, 4) != k_magic ||
        get_le(bytes, 4, 4) != k_version) {
        return std::nullopt;
    }
    const uint64_t start = get_le(bytes, 8, 8);
    const uint64_t last = get_le(bytes, 16, 8);
    if (last < start || last == UINT64_MAX) return std::nullopt;
    return RangeHeader{start, last + 1};
}

}  // namespace irsnap::lime
