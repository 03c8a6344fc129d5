// SPDX-License-Identifier: Apache-2.0
// list_directory (bundle_fs.hpp) on Windows: the directory's final path from its handle, then
// FindFirstFileExW. A reparse point (symbolic link, junction) is reported as a symlink, never
// entered.
#include <windows.h>  // first: the Windows headers below need its types

#include <io.h>

#include <cerrno>
#include <string>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap {

std::vector<DirEntry> list_directory(int dir_fd, std::string& error, size_t max_entries) {
    std::vector<DirEntry> out;
    const HANDLE h = reinterpret_cast<HANDLE>(_get_osfhandle(dir_fd));
    if (h == INVALID_HANDLE_VALUE) {
        error = "bad directory descriptor";
        return out;
    }
    std::wstring path(512, L'\0');
    for (;;) {
        const DWORD n = GetFinalPathNameByHandleW(h, path.data(), static_cast<DWORD>(path.size()),
                                                  FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
        if (n == 0) {
            error = "cannot name the directory (error " + std::to_string(GetLastError()) + ")";
            return out;
        }
        if (n < path.size()) {
            path.resize(n);
            break;
        }
        path.resize(n + 1);
    }
    if (path.empty() || path.back() != L'\\') path += L'\\';
    path += L'*';
    WIN32_FIND_DATAW data{};
    const HANDLE find =
        FindFirstFileExW(path.c_str(), FindExInfoBasic, &data, FindExSearchNameMatch, nullptr, 0);
    if (find == INVALID_HANDLE_VALUE) {
        if (GetLastError() != ERROR_FILE_NOT_FOUND) {
            error = "cannot list the directory (error " + std::to_string(GetLastError()) + ")";
        }
        return out;
    }
    do {
        const std::wstring name = data.cFileName;
        if (name == L"." || name == L"..") continue;
        if (out.size() >= max_entries) {
            error = "more than " + std::to_string(max_entries) + " entries; the rest not listed";
            break;
        }
        EntryType type = EntryType::regular;
        if (data.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
            type = EntryType::symlink;
        } else if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            type = EntryType::directory;
        }
        out.push_back({win::to_utf8(name), type});
    } while (FindNextFileW(find, &data));
    FindClose(find);
    return out;
}

}  // namespace irsnap
