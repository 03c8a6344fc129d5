// SPDX-License-Identifier: Apache-2.0
// Driver image names as the kernel reports them (GetDeviceDriverFileNameW) to Win32 paths that
// can be opened for hashing. Pure (no windows.h): unit-tested on Linux.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace irsnap::win {

/// "C:" at the start, followed by the end or a backslash.
bool has_drive(std::string_view path);

/// `raw` (UTF-8) is one of the forms the loader records:
///   \SystemRoot\system32\drivers\x.sys  -> <windows_dir>\system32\drivers\x.sys
///   \??\C:\dir\x.sys, \\?\C:\dir\x.sys  -> C:\dir\x.sys   (\??\UNC\srv\s\x -> \\srv\s\x)
///   \Windows\system32\x.sys             -> <drive of windows_dir>\Windows\system32\x.sys
///   system32\drivers\x.sys (relative)   -> <windows_dir>\system32\drivers\x.sys
///   C:\dir\x.sys                        -> unchanged
/// `windows_dir` is GetWindowsDirectoryW's answer ("C:\Windows"). nullopt for what only the
/// object manager can resolve (\Device\HarddiskVolume2\..., other \ names): see
/// nt_path_to_win32 for device names. Forward slashes are taken as backslashes.
std::optional<std::string> normalize_driver_path(std::string_view raw,
                                                 std::string_view windows_dir);

}  // namespace irsnap::win
