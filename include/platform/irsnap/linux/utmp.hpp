// SPDX-License-Identifier: Apache-2.0
// utmp records read as bytes: the x86-64 glibc layout (384 bytes), no getutent().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::utmp {

inline constexpr size_t k_record_size = 384;

struct Entry {
    int type = 0;  ///< ut_type: 7 USER_PROCESS, 8 DEAD_PROCESS, 2 BOOT_TIME ...
    int64_t pid = 0;
    std::string line, id, user, host;
    int64_t session = 0;
    int64_t tv_sec = 0;
    int64_t tv_usec = 0;
    std::string address;  ///< IPv4 or IPv6 text, empty if none
};

/// Parses whole records; a trailing partial record is ignored (reported via `trailing_bytes`).
std::vector<Entry> parse_utmp(std::string_view bytes, size_t* trailing_bytes = nullptr);

/// "USER_PROCESS" etc.
std::string type_name(int type);

}  // namespace irsnap::utmp
