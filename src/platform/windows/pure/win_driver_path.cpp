// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_driver_path.hpp"

#include <algorithm>
#include <cctype>

#include "irsnap/text.hpp"

namespace irsnap::win {

bool has_drive(std::string_view path) {
    return path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) &&
           path[1] == ':' && (path.size() == 2 || path[2] == '\\');
}

namespace {

std::string join(std::string_view dir, std::string_view rest) {
    std::string out(dir);
    while (!out.empty() && out.back() == '\\') out.pop_back();
    while (!rest.empty() && rest.front() == '\\') rest.remove_prefix(1);
    out += '\\';
    out += rest;
    return out;
}

}  // namespace

std::optional<std::string> normalize_driver_path(std::string_view raw_in,
                                                 std::string_view windows_dir_in) {
    std::string raw(raw_in);
    std::replace(raw.begin(), raw.end(), '/', '\\');
    std::string windows_dir(windows_dir_in);
    std::replace(windows_dir.begin(), windows_dir.end(), '/', '\\');
    std::string_view path = raw;
    if (path.empty()) return std::nullopt;

    for (std::string_view prefix : {"\\??\\", "\\\\?\\", "\\DosDevices\\", "\\GLOBAL??\\"}) {
        if (!starts_with_nocase(path, prefix)) continue;
        std::string_view rest = path.substr(prefix.size());
        if (starts_with_nocase(rest, "UNC\\")) return "\\\\" + std::string(rest.substr(4));
        if (has_drive(rest)) return std::string(rest);
        return std::nullopt;  // \??\Volume{...}\ and the like: the object manager's business
    }
    if (starts_with_nocase(path, "\\SystemRoot") && (path.size() == 11 || path[11] == '\\')) {
        if (windows_dir.empty()) return std::nullopt;
        return join(windows_dir, path.substr(11));
    }
    if (has_drive(path) || starts_with_nocase(path, "\\\\")) return raw;
    if (path.front() == '\\') {
        // Rooted without a drive: \Windows\..., \Program Files\... live on the system drive.
        // \Device\... names an object, not a directory.
        if (starts_with_nocase(path, "\\Device\\") || !has_drive(windows_dir)) {
            return std::nullopt;
        }
        return std::string(windows_dir.substr(0, 2)) + std::string(path);
    }
    // Relative (system32\drivers\x.sys): the loader resolves it under the Windows directory.
    if (windows_dir.empty()) return std::nullopt;
    return join(windows_dir, path);
}

}  // namespace irsnap::win
