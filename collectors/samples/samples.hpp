// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <set>
#include <string_view>

#include "common/specimen_set.hpp"
#include "irsnap/collector.hpp"

namespace irsnap::collectors {

/// Specimens: copies of the suspicious executables and libraries themselves, read through the
/// descriptors that hold them while the processes live, stored encrypted ("infected").
const CollectorSpec& samples_spec();

/// Platform implementation (samples_linux.cpp / samples_windows.cpp).
void collect_samples(const Context& ctx, RecordSink& sink);

/// The reasons a path alone gives (temporary place, hidden directory), for Linux paths as the
/// kernel prints them; `deleted` and `memfd` come from the descriptor. Pure: tested with strings.
std::set<SpecimenReason> linux_path_reasons(std::string_view path);

/// The reasons a Windows path alone gives: temporary_place for a directory users and programs
/// may write without privilege (any \Temp\, AppData, ProgramData, Downloads, the Recycle Bin,
/// the Startup folders), matched case-insensitively with either slash. Pure: tested with strings.
std::set<SpecimenReason> windows_path_reasons(std::string_view path);

}  // namespace irsnap::collectors
