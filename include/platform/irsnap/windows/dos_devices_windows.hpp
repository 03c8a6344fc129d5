// SPDX-License-Identifier: Apache-2.0
// The drive letters and the NT devices they name, for turning kernel names
// (\Device\HarddiskVolume3\x) into Win32 paths with nt_path_to_win32.
#pragma once

#include <vector>

#include "irsnap/windows/win_object_path.hpp"

namespace irsnap::win {

/// QueryDosDeviceW for every drive letter in GetLogicalDrives.
std::vector<DosDevice> dos_devices();

}  // namespace irsnap::win
