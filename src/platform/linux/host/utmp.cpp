// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/utmp.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace irsnap::utmp {
namespace {

// Offsets of struct utmp on x86-64 glibc (bits/utmp.h): 32-bit time fields for compatibility.
constexpr size_t k_type = 0, k_pid = 4, k_line = 8, k_id = 40, k_user = 44, k_host = 76,
                 k_session = 336, k_tv_sec = 340, k_tv_usec = 344, k_addr = 348;

int32_t read_i32(const char* base, size_t offset) {
    int32_t v;
    std::memcpy(&v, base + offset, sizeof v);
    return v;
}

std::string read_fixed(const char* base, size_t offset, size_t size) {
    const char* start = base + offset;
    size_t len = strnlen(start, size);
    return std::string(start, len);
}

std::string read_address(const char* base) {
    uint32_t words[4];
    std::memcpy(words, base + k_addr, sizeof words);
    if (!words[0] && !words[1] && !words[2] && !words[3]) return {};
    char text[INET6_ADDRSTRLEN] = {};
    // glibc stores IPv4 in the first word only.
    if (!words[1] && !words[2] && !words[3]) {
        inet_ntop(AF_INET, words, text, sizeof text);
    } else {
        inet_ntop(AF_INET6, words, text, sizeof text);
    }
    return text;
}

}  // namespace

std::vector<Entry> parse_utmp(std::string_view bytes, size_t* trailing_bytes) {
    std::vector<Entry> out;
    size_t count = bytes.size() / k_record_size;
    for (size_t i = 0; i < count; ++i) {
        const char* rec = bytes.data() + i * k_record_size;
        Entry e;
        int16_t type;
        std::memcpy(&type, rec + k_type, sizeof type);
        e.type = type;
        e.pid = read_i32(rec, k_pid);
        e.line = read_fixed(rec, k_line, 32);
        e.id = read_fixed(rec, k_id, 4);
        e.user = read_fixed(rec, k_user, 32);
        e.host = read_fixed(rec, k_host, 256);
        e.session = read_i32(rec, k_session);
        e.tv_sec = static_cast<uint32_t>(read_i32(rec, k_tv_sec));
        e.tv_usec = read_i32(rec, k_tv_usec);
        e.address = read_address(rec);
        out.push_back(std::move(e));
    }
    if (trailing_bytes) *trailing_bytes = bytes.size() % k_record_size;
    return out;
}

std::string type_name(int type) {
    switch (type) {
        case 0:
            return "EMPTY";
        case 1:
            return "RUN_LVL";
        case 2:
            return "BOOT_TIME";
        case 3:
            return "NEW_TIME";
        case 4:
            return "OLD_TIME";
        case 5:
            return "INIT_PROCESS";
        case 6:
            return "LOGIN_PROCESS";
        case 7:
            return "USER_PROCESS";
        case 8:
            return "DEAD_PROCESS";
        case 9:
            return "ACCOUNTING";
        default:
            return "UNKNOWN_" + std::to_string(type);
    }
}

}  // namespace irsnap::utmp
