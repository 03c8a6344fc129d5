// SPDX-License-Identifier: Apache-2.0
// The files collector's host access on Windows: the root is the system drive, homes are the
// directories under Users (junctions such as "Default User" are links, never entered), and
// files open through the bundle_fs openers (reparse points not followed, disk files only).
#include <windows.h>

#include <sys/stat.h>

#include <set>

#include "files.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors {

std::string files_root(const Context& ctx) {
    (void)ctx;
    wchar_t dir[MAX_PATH + 1] = {};
    const UINT n = GetWindowsDirectoryW(dir, MAX_PATH + 1);
    // "C:\Windows" -> "C:\"; without an answer, the usual drive.
    if (n >= 3 && dir[1] == L':') return win::to_utf8(std::wstring(dir, 3));
    return "C:\\";
}

std::vector<std::string> home_directories(const Context& ctx, int root_fd) {
    (void)ctx;
    std::vector<std::string> homes;
    std::string error;
    UniqueFd users = open_bundle_dir(root_fd, "Users", error);
    if (!users) return homes;
    static const std::set<std::string> k_not_users = {"Public", "Default", "All Users",
                                                      "Default User"};
    for (const auto& e : list_directory(users.get(), error, k_max_dir_entries)) {
        if (e.type == EntryType::directory && !k_not_users.count(e.name)) {
            homes.push_back("Users/" + e.name);
        }
    }
    return homes;
}

OpenedHostFile open_host_file(int dir_fd, const std::string& name) {
    OpenedHostFile out;
    BundleFile file = open_bundle_file(dir_fd, name);
    if (!file.fd) {
        out.error = file.error;
        out.denied = file.errno_value == EACCES;
        out.not_regular = file.errno_value == 0;  // opened, then refused by type
        return out;
    }
    struct stat st {};
    if (::fstat(file.fd.get(), &st) == 0) {
        out.mtime_ns = static_cast<int64_t>(st.st_mtime) * 1'000'000'000;
    }
    out.size = file.size;
    out.fd = std::move(file.fd);
    return out;
}

}  // namespace irsnap::collectors
