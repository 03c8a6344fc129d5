// SPDX-License-Identifier: Apache-2.0
// The Windows walk of the file-system timeline: where the places are on this host
// (windows_places) and how they are read (walk_windows). See timeline.hpp for the entry, the
// bounds, the roots (windows_roots) and the report.
#pragma once

#include <string>
#include <vector>

#include "irsnap/host_view.hpp"
#include "irsnap/result.hpp"
#include "irsnap/timeline.hpp"

namespace irsnap::timeline {

/// The directories windows_roots() is built from.
struct WindowsPlaces {
    std::string windows_dir;   ///< GetSystemWindowsDirectoryW
    std::string program_data;  ///< ProfileList's ProgramData, expanded (else <drive>\ProgramData)
    std::string public_dir;    ///< ProfileList's Public, expanded
    std::vector<std::string> profiles;  ///< every ProfileList SID's ProfileImagePath, expanded
    /// TEMP and TMP of each profile whose hive is loaded (HKU\SID\Environment), expanded for
    /// that user (%USERPROFILE% is the profile's, not the collector's)
    std::vector<std::string> temp_dirs;
    std::vector<ItemError> problems;  ///< what could not be read (registry access ...)
};

/// Reads HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList (64-bit view): every
/// profile on the host, loaded or not, including the service profiles; and the TEMP a loaded
/// user hive names (a hive that is not loaded is not loaded for this: that would change the
/// host's registry).
WindowsPlaces windows_places();

/// Walks `roots` and reports every entry to `visitor`:
/// - each directory is listed through its handle (GetFileInformationByHandleEx with
///   FileIdBothDirectoryInfo): name, file id, size, attributes and all four NTFS times come
///   with the listing, so no file is ever opened; only directories are, with
///   FILE_FLAG_BACKUP_SEMANTICS|FILE_FLAG_OPEN_REPARSE_POINT, and their file id is checked
///   against the listing (a swap in between is a race);
/// - a reparse point (symbolic link, junction, volume mount point, cloud placeholder) is
///   recorded and never entered, so the walk stays on the root's volume; roots on a network
///   share (\\server\...) are not walked;
/// - a directory reached as a root is walked once, as in walk_linux, and the bounds are the
///   same.
/// --root does not apply on Windows: the live host is walked.
Report walk_windows(const HostView& host, const std::vector<Root>& roots, const Limits& limits,
                    Visitor& visitor);

}  // namespace irsnap::timeline
