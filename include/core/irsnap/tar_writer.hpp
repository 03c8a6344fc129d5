// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace irsnap {

/// Tar blocks are 512 bytes; every header and every member's data is padded to a block.
inline constexpr size_t k_tar_block = 512;
/// An 11-digit octal size field holds at most 8 GiB - 1; larger sizes go into a pax record.
inline constexpr uint64_t k_tar_max_octal_size = (1ull << 33) - 1;

/// One member as the writer sees it. Only regular files ('0') and directories ('5') are made.
struct TarEntry {
    std::string name;  ///< '/'-separated, relative; directories end with '/'
    uint64_t size = 0;
    uint32_t mode = 0600;
    int64_t mtime = 0;  ///< seconds since the epoch
    uint32_t uid = 0;
    uint32_t gid = 0;
    char typeflag = '0';
};

/// `value` in `width - 1` zero-padded octal digits followed by a NUL, as ustar numeric fields
/// are; "" when it does not fit.
std::string tar_octal(uint64_t value, size_t width);

/// Splits `name` into ustar's prefix (up to 155 bytes) and name (up to 100 bytes) at a '/';
/// false when no split fits (a pax `path` record is needed then).
bool tar_split_name(std::string_view name, std::string& prefix, std::string& base);

/// One pax extended header record: "<len> <key>=<value>\n", where len counts the whole record.
std::string tar_pax_record(std::string_view key, std::string_view value);

/// The 512-byte ustar header for `entry` whose name and size are already known to fit (callers
/// use tar_member_header). The checksum is the byte sum with the checksum field as spaces.
std::array<char, k_tar_block> tar_ustar_header(const TarEntry& entry, std::string_view prefix,
                                               std::string_view name, uint64_t size_field);

/// Everything that precedes `entry`'s data: a pax extended header member when the name does not
/// fit ustar or the size is 8 GiB or more, then the ustar header. A multiple of 512 bytes.
std::string tar_member_header(const TarEntry& entry);

/// Zero bytes that pad `size` bytes of data to the next block.
std::string tar_padding(uint64_t size);

/// The end-of-archive marker: two zero blocks.
std::string tar_end_of_archive();

}  // namespace irsnap
