// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

namespace irsnap {

/// Call first in main(), before any time function. The C library reads the host's zone file
/// (/etc/localtime or $TZ) on its first time call, which updates the file's access time on the
/// suspect disk. This reads it once with O_NOATIME, hands the bytes to the C library through an
/// in-memory file, and so leaves host files untouched while local-time conversion stays exact.
void pin_time_zone() noexcept;

/// The host's zone as found before pinning, e.g. "Europe/Paris" or "EST5EDT (from TZ)".
std::string host_time_zone_name();

/// Why the zone could not be pinned (refused FIFO, unreadable file, timed out), for the
/// manifest's notes; empty when it was pinned or there is none.
std::string host_time_zone_problem();

/// The host's current offset from UTC in seconds, or nullopt when the zone could not be read.
std::optional<long> host_utc_offset_seconds();

}  // namespace irsnap
