// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_object_path.hpp"

#include <algorithm>
#include <cctype>

#include "irsnap/text.hpp"
#include "irsnap/windows/win_driver_path.hpp"

namespace irsnap::win {
namespace {

/// `prefix` names a whole leading part of `path`: equal, or followed by a separator.
bool component_prefix(std::string_view path, std::string_view prefix) {
    return !prefix.empty() && starts_with_nocase(path, prefix) &&
           (path.size() == prefix.size() || path[prefix.size()] == '\\' || prefix.back() == '\\');
}

}  // namespace

std::optional<std::string> nt_path_to_win32(std::string_view nt_path,
                                            const std::vector<DosDevice>& drives) {
    if (nt_path.empty()) return std::nullopt;
    for (std::string_view prefix : {"\\??\\", "\\\\?\\", "\\GLOBAL??\\"}) {
        if (!starts_with_nocase(nt_path, prefix)) continue;
        std::string_view rest = nt_path.substr(prefix.size());
        if (starts_with_nocase(rest, "UNC\\")) return "\\\\" + std::string(rest.substr(4));
        if (has_drive(rest)) return std::string(rest);
        break;  // \??\Volume{...}: may still be a drive target below
    }
    const DosDevice* best = nullptr;
    for (const auto& d : drives) {
        if (component_prefix(nt_path, d.target) &&
            (!best || d.target.size() > best->target.size())) {
            best = &d;
        }
    }
    if (best) {
        std::string rest(nt_path.substr(best->target.size()));
        if (rest.empty() || rest.front() != '\\') rest.insert(rest.begin(), '\\');
        return best->drive + rest;
    }
    if (component_prefix(nt_path, "\\Device\\Mup")) {
        std::string_view rest = nt_path.substr(11);
        if (rest.size() > 1) return "\\" + std::string(rest);
        return std::nullopt;
    }
    for (std::string_view redirector :
         {"\\Device\\LanmanRedirector\\", "\\Device\\WebDavRedirector\\"}) {
        if (!starts_with_nocase(nt_path, redirector)) continue;
        std::string_view rest = nt_path.substr(redirector.size());
        // An optional ";X:<logon id>" component names the mapping, not the share.
        if (!rest.empty() && rest.front() == ';') {
            const auto slash = rest.find('\\');
            if (slash == std::string_view::npos) return std::nullopt;
            rest = rest.substr(slash + 1);
        }
        if (rest.empty()) return std::nullopt;
        return "\\\\" + std::string(rest);
    }
    return std::nullopt;
}

std::string file_object_type(std::string_view nt_name, bool on_drive) {
    if (nt_name.empty()) return "unknown";
    if (component_prefix(nt_name, "\\Device\\NamedPipe") ||
        component_prefix(nt_name, "\\Device\\Mailslot")) {
        return "pipe";
    }
    if (component_prefix(nt_name, "\\Device\\Afd")) return "socket";
    if (on_drive || has_drive(nt_name) || starts_with_nocase(nt_name, "\\??\\")) return "file";
    return "char_device";
}

}  // namespace irsnap::win
