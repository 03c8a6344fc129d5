// SPDX-License-Identifier: Apache-2.0
// The LiME memory image format (the Linux Memory Extractor's; read by Volatility 3, MemProcFS
// and other memory-forensics tools): for each physical range, a 32-byte header (magic
// 0x4C694D45 "EMiL" little-endian, version 1, first address, last address inclusive, 8 reserved
// bytes) followed by the range's bytes. Nothing else: no file header, no trailer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace irsnap::lime {

inline constexpr uint32_t k_magic = 0x4C694D45;
inline constexpr uint32_t k_version = 1;
inline constexpr size_t k_header_size = 32;

/// The header of the range [start, end) (end exclusive, written as end - 1). Requires end > start.
std::string range_header(uint64_t start, uint64_t end);

/// A range header read back: [start, end) or nullopt when `bytes` (at least 32) is not one.
struct RangeHeader {
    uint64_t start = 0;
    uint64_t end = 0;  ///< exclusive
};
std::optional<RangeHeader> read_range_header(std::string_view bytes);

}  // namespace irsnap::lime
