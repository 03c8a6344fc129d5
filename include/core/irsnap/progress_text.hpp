// SPDX-License-Identifier: Apache-2.0
// The text of collect's progress lines on stderr (src/cli/console.cpp), kept here so that the
// layout is tested with literal values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace irsnap {

/// "[ 9/12]" for the `index`-th (0-based) of `total`: the number is padded to the width of the
/// total, so the columns after it do not move when the count gains a digit ("[10/12]").
std::string progress_counter(size_t index, size_t total);

/// One finished collector: counter, name, status, records, seconds and the message if any.
std::string progress_finished_line(size_t index, size_t total, const std::string& name,
                                   const std::string& status, uint64_t records, double seconds,
                                   const std::string& message);

}  // namespace irsnap
