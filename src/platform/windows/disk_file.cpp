// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/disk_file.hpp"

#include <fmt/format.h>

#include "irsnap/windows/win_device_path.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::win {

std::string DiskFile::reason() const {
    if (!refused.empty()) return refused;
    if (error == ERROR_ACCESS_DENIED) return "access denied";
    return fmt::format("open failed: Win32 error {}", error);
}

DiskFile open_disk_file(const std::wstring& path, DWORD extra_flags) {
    DiskFile out;
    if (const char* why = unsafe_path_reason(to_utf8(path)); *why != '\0') {
        out.refused = why;
        return out;
    }
    out.handle = UniqueHandle(CreateFileW(
        path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
        OPEN_EXISTING, extra_flags | SECURITY_SQOS_PRESENT | SECURITY_ANONYMOUS, nullptr));
    if (!out.handle) {
        out.error = GetLastError();
        return out;
    }
    // A reserved DOS name (CON, NUL, COM1 ...) or a link can still lead to a device or a pipe.
    const DWORD type = GetFileType(out.handle.get());
    BY_HANDLE_FILE_INFORMATION info{};
    const bool directory = type == FILE_TYPE_DISK &&
                           GetFileInformationByHandle(out.handle.get(), &info) &&
                           (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
    if (type != FILE_TYPE_DISK || directory) {
        out.handle.reset();
        out.refused = directory                ? "refused: a directory, not a file"
                      : type == FILE_TYPE_PIPE ? "refused: a named pipe, not a file on a disk"
                      : type == FILE_TYPE_CHAR ? "refused: a character device, not a file"
                                               : "refused: not a file on a disk";
    }
    return out;
}

}  // namespace irsnap::win
