// SPDX-License-Identifier: Apache-2.0
#include "irsnap/clock.hpp"

#include <ctime>

#include <fmt/format.h>

namespace irsnap {
namespace {

std::tm utc_tm(int64_t unix_ns, int64_t* micros) {
    int64_t seconds = unix_ns / 1'000'000'000;
    int64_t rest = unix_ns % 1'000'000'000;
    if (rest < 0) {  // floor for times before 1970
        rest += 1'000'000'000;
        --seconds;
    }
    if (micros) *micros = rest / 1000;
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

}  // namespace

std::string format_rfc3339_utc(int64_t unix_ns) {
    int64_t micros = 0;
    std::tm tm = utc_tm(unix_ns, &micros);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

std::string format_compact_utc(int64_t unix_ns) {
    std::tm tm = utc_tm(unix_ns, nullptr);
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace irsnap
