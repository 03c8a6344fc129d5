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

/// True when `path` names a file on another machine: `\\server\share\...` or
/// `\\?\UNC\server\...` (and `//server/...`). Opening one makes Windows connect to that server
/// with the caller's credentials: run as the responder's administrator, irsnap would hand an
/// attacker who planted `\\attacker\x\y.exe` as an autorun target an NTLM exchange to relay or
/// crack. Such paths are recorded, never opened.
bool is_remote_path(std::string_view path);

/// Why irsnap does not open `path` ("" when it may): a device or pipe, or a remote path.
const char* unsafe_path_reason(std::string_view path);

}  // namespace irsnap::win
