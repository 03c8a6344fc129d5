// SPDX-License-Identifier: Apache-2.0
// NT object names of File handles (\Device\HarddiskVolume3\x) to Win32 paths (C:\x), and what
// kind of file object a name denotes. Pure (no windows.h): unit-tested on Linux; the collector
// supplies the drive table from QueryDosDeviceW.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::win {

/// One drive letter and the NT device it names (QueryDosDeviceW("C:") -> \Device\HarddiskVolume3).
struct DosDevice {
    std::string drive;   ///< "C:"
    std::string target;  ///< "\Device\HarddiskVolume3" (UTF-8)
};

/// The Win32 path of `nt_path` (UTF-8): the longest drive target that is a whole-component
/// prefix (case-insensitive) wins; network redirectors become UNC (\Device\Mup\srv\share\x ->
/// \\srv\share\x, \Device\LanmanRedirector\;X:0000\srv\s -> \\srv\s); \??\C:\x -> C:\x.
/// nullopt when no drive or redirector names it (pipes, sockets, other devices).
std::optional<std::string> nt_path_to_win32(std::string_view nt_path,
                                            const std::vector<DosDevice>& drives);

/// Record type of a File object by its NT name, in the Linux handle record's vocabulary:
/// "pipe" (\Device\NamedPipe, \Device\Mailslot), "socket" (\Device\Afd), "file" (a name on a
/// drive: `on_drive`, or a Win32 path), else "char_device" (\Device\ConDrv, \Device\KsecDD ...).
/// "unknown" when the name is empty.
std::string file_object_type(std::string_view nt_name, bool on_drive);

}  // namespace irsnap::win
