// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/clock.hpp"

namespace irsnap {

/// Reads the wall, monotonic and boot clocks back to back (one sample anchors /proc start times
/// and every record's time to UTC).
ClockSample sample_clocks();

}  // namespace irsnap
