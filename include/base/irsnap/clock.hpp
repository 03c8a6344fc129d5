// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace irsnap {

/// One reading of the clocks a collector is placed in time with. Read together so that the skew
/// between wall time and the monotonic clocks can be computed offline.
struct ClockSample {
    int64_t realtime_ns = 0;   ///< CLOCK_REALTIME, ns since the Unix epoch (UTC)
    int64_t monotonic_ns = 0;  ///< CLOCK_MONOTONIC (does not count suspend)
    int64_t boottime_ns = 0;   ///< CLOCK_BOOTTIME (counts suspend); the base of /proc starttime
};

/// RFC 3339 UTC with microseconds and `Z`, e.g. 2026-11-22T01:15:02.123456Z.
std::string format_rfc3339_utc(int64_t unix_ns);

/// Compact UTC stamp for bundle names, e.g. 20261122T011502Z.
std::string format_compact_utc(int64_t unix_ns);

}  // namespace irsnap
