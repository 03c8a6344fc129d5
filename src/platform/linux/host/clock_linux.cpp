// SPDX-License-Identifier: Apache-2.0
#include <time.h>

#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"

namespace irsnap {
namespace {

int64_t read_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

ClockSample sample_clocks() {
    // Realtime is read between the two others so its skew against either is at most one call.
    ClockSample s;
    s.monotonic_ns = read_ns(CLOCK_MONOTONIC);
    s.realtime_ns = read_ns(CLOCK_REALTIME);
    s.boottime_ns = read_ns(CLOCK_BOOTTIME);
    return s;
}

}  // namespace irsnap
