// SPDX-License-Identifier: Apache-2.0
// Windows keeps the zone in the registry, read through the API: no zone file is opened, so
// there is nothing to pin. Every timestamp irsnap writes is UTC; the zone is only reported.
#include <windows.h>

#include "irsnap/time_zone.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap {

void pin_time_zone() noexcept {}

std::string host_time_zone_problem() {
    return {};  // no file read, nothing that can be refused or hang
}

std::string host_time_zone_name() {
    DYNAMIC_TIME_ZONE_INFORMATION tz{};
    if (GetDynamicTimeZoneInformation(&tz) == TIME_ZONE_ID_INVALID) return "unknown";
    // The key name ("W. Europe Standard Time") is stable; StandardName is localised.
    std::wstring name = tz.TimeZoneKeyName[0] ? tz.TimeZoneKeyName : tz.StandardName;
    return win::to_utf8(name);
}

std::optional<long> host_utc_offset_seconds() {
    TIME_ZONE_INFORMATION tz{};
    const DWORD which = GetTimeZoneInformation(&tz);
    if (which == TIME_ZONE_ID_INVALID) return std::nullopt;
    long bias = tz.Bias + (which == TIME_ZONE_ID_DAYLIGHT ? tz.DaylightBias : tz.StandardBias);
    return -bias * 60;  // Bias is UTC minus local, in minutes
}

}  // namespace irsnap
