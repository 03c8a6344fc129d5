// SPDX-License-Identifier: Apache-2.0
// Which Windows paths name a device or a named pipe rather than a file on a disk. Pure (no
// windows.h) so it is unit-tested on Linux.
#pragma once

#include <string_view>

namespace irsnap::win {

/// True when `path` (UTF-8 or UTF-16 narrowed to ASCII where it matters) is not a path to a file
/// on a volume: the device namespace `\\.\...` (pipes, consoles, physical drives, any device),
/// `\\?\GLOBALROOT\...` and NT paths (`\??\`, `\Device\...`), a `\\?\` path that is not a drive,
/// UNC or volume-with-path one (`\\?\pipe\x`, a bare `\\?\Volume{...}` raw volume), and a UNC
/// path to a server's named pipes (`\\server\pipe\name`). The host's registry and files name
/// the paths irsnap reads (hosts database directory, task files, shortcut targets), so an
/// attacker chooses them: opening a named pipe connects to the attacker's server, which can
/// then stall every read, and opening a device runs its driver's code. Forward slashes count as
/// backslashes, as for the Win32 API.
bool is_device_path(std::string_view path);

}  // namespace irsnap::win
