// SPDX-License-Identifier: Apache-2.0
// The one way the Windows collectors open a host file they read by path.
#pragma once

#include <windows.h>

#include <string>

#include "irsnap/windows/win_handle.hpp"

namespace irsnap::win {

/// An opened file on a disk, or why not.
struct DiskFile {
    UniqueHandle handle;  ///< valid on success
    DWORD error = 0;      ///< CreateFileW's error when the open itself failed
    std::string refused;  ///< non-empty when the path or the opened object is not a disk file
    explicit operator bool() const { return static_cast<bool>(handle); }
    /// One line for an item error or a note: the refusal, or the Win32 error.
    std::string reason() const;
};

/// Opens `path` for reading, only if it is a file on a disk. The host's registry and files
/// name these paths (hosts database directory, task and shortcut files, autorun targets), so
/// an attacker chooses them:
/// - device and pipe paths (`\\.\...`, `\\?\GLOBALROOT\...`, `\\server\pipe\...`; see
///   is_device_path) are refused before any open: opening a pipe connects to its server, which
///   can then stall every read, and opening a device runs its driver;
/// - SECURITY_SQOS_PRESENT|SECURITY_ANONYMOUS: should a pipe be reached anyway (a link, a
///   reserved DOS name), its server cannot impersonate irsnap's (administrator's) token;
/// - after the open, GetFileType() must say FILE_TYPE_DISK and the object must not be a
///   directory, else the handle is closed unread.
/// `extra_flags`: FILE_FLAG_SEQUENTIAL_SCAN, FILE_FLAG_OPEN_REPARSE_POINT (the link itself,
/// where a link must not be followed) ... Shares read, write and delete: the host keeps working.
DiskFile open_disk_file(const std::wstring& path, DWORD extra_flags = FILE_FLAG_SEQUENTIAL_SCAN);

}  // namespace irsnap::win
