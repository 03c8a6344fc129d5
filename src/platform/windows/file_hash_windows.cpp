// SPDX-License-Identifier: Apache-2.0
#include <windows.h>

#include <fcntl.h>
#include <io.h>

#include <fmt/format.h>

#include "irsnap/hash_cache.hpp"
#include "irsnap/windows/disk_file.hpp"
#include "irsnap/windows/file_hash_windows.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_handle.hpp"

namespace irsnap::win {

FileHashRequest submit_file_hash(HashCache* hashes, const std::wstring& path) {
    FileHashRequest out;
    if (!hashes) {
        out.note = "hashing disabled (--no-hash)";
        return out;
    }
    // The shared opener: a process image path or a driver path can name a pipe or a device.
    DiskFile opened = open_disk_file(path);
    if (!opened) {
        const DWORD error = opened.error;
        if (!opened.refused.empty()) {
            out.note = "not a regular file";
            return out;
        }
        out.denied = error == ERROR_ACCESS_DENIED || error == ERROR_SHARING_VIOLATION;
        out.note = out.denied ? std::string("denied")
                   : error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND
                       ? std::string("not found on disk")
                       : fmt::format("open failed: Win32 error {}", error);
        return out;
    }
    UniqueHandle file = std::move(opened.handle);
    BY_HANDLE_FILE_INFORMATION info{};
    if (!GetFileInformationByHandle(file.get(), &info)) {
        out.note = "not a regular file";
        return out;
    }
    const uint64_t size = (uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
    out.size = size;
    const int64_t mtime = static_cast<int64_t>(
        (uint64_t{info.ftLastWriteTime.dwHighDateTime} << 32) | info.ftLastWriteTime.dwLowDateTime);
    // Volume serial and file index identify the file as dev/inode do on Linux.
    const FileKey key{info.dwVolumeSerialNumber,
                      (uint64_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow, size,
                      filetime_to_unix_ns(mtime)};
    const int fd = _open_osfhandle(reinterpret_cast<intptr_t>(file.get()), _O_RDONLY | _O_BINARY);
    if (fd < 0) {
        out.note = "out of descriptors";
        return out;
    }
    file.release();  // the descriptor owns it now; the cache closes it
    out.pending = hashes->submit(fd, key);
    return out;
}

}  // namespace irsnap::win
