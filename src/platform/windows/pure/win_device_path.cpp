// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_device_path.hpp"

#include <string>

namespace irsnap::win {
namespace {

/// ASCII lower case, slashes as backslashes: how Win32 compares these prefixes.
std::string normalised(std::string_view path) {
    std::string out(path);
    for (char& c : out) {
        if (c == '/') c = '\\';
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool is_drive(std::string_view rest) {
    return rest.size() >= 2 && rest[0] >= 'a' && rest[0] <= 'z' && rest[1] == ':';
}

}  // namespace

bool is_device_path(std::string_view path) {
    const std::string p = normalised(path);
    // NT namespace paths: only the kernel's object manager knows what they name.
    if (starts_with(p, "\\??\\") || starts_with(p, "\\device\\") || p == "\\device") return true;
    if (starts_with(p, "\\\\.\\") || p == "\\\\.") return true;  // the Win32 device namespace
    if (starts_with(p, "\\\\?\\")) {
        const std::string_view rest = std::string_view(p).substr(4);
        if (is_drive(rest)) return false;  // \\?\C:\...
        if (starts_with(rest, "unc\\")) {  // \\?\UNC\server\share\...
            const std::string_view unc = rest.substr(4);
            const size_t slash = unc.find('\\');
            return slash != std::string_view::npos && starts_with(unc.substr(slash + 1), "pipe") &&
                   (unc.size() == slash + 5 || unc[slash + 5] == '\\');
        }
        if (starts_with(rest, "volume{")) {
            // \\?\Volume{GUID}\path is a file; \\?\Volume{GUID} alone is the raw volume.
            const size_t close = rest.find('}');
            return close == std::string_view::npos || close + 2 >= rest.size();
        }
        return true;  // \\?\GLOBALROOT\..., \\?\pipe\..., anything else
    }
    if (starts_with(p, "\\\\")) {
        // \\server\pipe\name: a named pipe on that server (\\localhost too).
        const std::string_view unc = std::string_view(p).substr(2);
        const size_t slash = unc.find('\\');
        if (slash == std::string_view::npos) return false;
        const std::string_view share = unc.substr(slash + 1);
        return share == "pipe" || starts_with(share, "pipe\\") || share == "mailslot" ||
               starts_with(share, "mailslot\\");
    }
    return false;
}

bool is_remote_path(std::string_view path) {
    const std::string p = normalised(path);
    if (starts_with(p, "\\\\?\\")) return starts_with(p.substr(4), "unc\\");
    if (starts_with(p, "\\\\.\\")) return false;  // the local device namespace
    return starts_with(p, "\\\\") && p.size() > 2;
}

const char* unsafe_path_reason(std::string_view path) {
    if (is_device_path(path)) return "refused: a device or named pipe path, not a file on a disk";
    if (is_remote_path(path)) {
        return "not opened: a remote (UNC) path; opening it would send this account's "
               "credentials to that server";
    }
    return "";
}

}  // namespace irsnap::win
