// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_command_target.hpp"

#include <algorithm>

namespace irsnap::autoruns_win {
namespace {

/// CreateProcess gives up on a command line longer than this; so do we, bounding the tries.
constexpr size_t k_max_prefix_tries = 64;

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lower_ascii(text.substr(0, prefix.size())) == prefix;
}

std::string_view trim(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

bool has_drive(std::string_view p) {
    return p.size() >= 2 && p[1] == ':' &&
           ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z'));
}

std::string_view file_name(std::string_view path) {
    const size_t sep = path.find_last_of("\\/");
    return sep == std::string_view::npos ? path : path.substr(sep + 1);
}

bool has_extension(std::string_view path) {
    const std::string_view name = file_name(path);
    const size_t dot = name.rfind('.');
    return dot != std::string_view::npos && dot + 1 < name.size();
}

/// The Win32 paths a program name may mean, in the order they are tried.
std::vector<std::string> places(std::string_view name, const TargetOptions& o,
                                std::string_view default_extension) {
    std::vector<std::string> bases;
    if (has_drive(name) || name.substr(0, 1) == "\\" || name.substr(0, 1) == "/") {
        bases.push_back(normalize_windows_path(name, o.system_root, o.relative_to_system_root));
    } else if (o.relative_to_system_root && name.find('\\') != std::string_view::npos) {
        bases.push_back(normalize_windows_path(name, o.system_root, true));
    } else {
        for (const auto& dir : o.search_dirs) bases.push_back(dir + "\\" + std::string(name));
    }
    std::vector<std::string> out;
    for (auto& b : bases) {
        if (!has_extension(b)) out.push_back(b + std::string(default_extension));
        out.push_back(std::move(b));
    }
    return out;
}

struct Found {
    std::string path;
    bool exists = false;
};

Found find(std::string_view name, const TargetOptions& o, std::string_view ext,
           const PathExists& exists) {
    auto candidates = places(name, o, ext);
    for (const auto& c : candidates) {
        if (exists(c)) return {c, true};
    }
    // Missing: an absolute path is still worth reporting; a bare name is not anywhere.
    const bool absolute = has_drive(name) || name.substr(0, 1) == "\\" ||
                          (o.relative_to_system_root && name.find('\\') != std::string_view::npos);
    if (!absolute || candidates.empty()) return {};
    return {has_extension(candidates.back()) ? candidates.back() : candidates.front(), false};
}

}  // namespace

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return out;
}

std::string expand_environment(std::string_view text, const EnvLookup& lookup) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        const size_t open = text.find('%', i);
        if (open == std::string_view::npos) break;
        const size_t close = text.find('%', open + 1);
        if (close == std::string_view::npos) break;
        out.append(text.substr(i, open - i));
        const std::string name(text.substr(open + 1, close - open - 1));
        std::optional<std::string> value;
        if (!name.empty() && lookup) value = lookup(name);
        if (value) {
            out += *value;
            i = close + 1;
        } else {
            // Kept as written; the closing % may open the next name ("%a%b%" -> "%a" + "%b%").
            out.append(text.substr(open, close - open));
            i = close;
        }
    }
    out.append(text.substr(std::min(i, text.size())));
    return out;
}

std::string normalize_windows_path(std::string_view path, std::string_view system_root,
                                   bool relative_to_system_root) {
    std::string p(trim(path));
    std::replace(p.begin(), p.end(), '/', '\\');
    if (starts_with_ci(p, "\\??\\") || starts_with_ci(p, "\\\\?\\") ||
        starts_with_ci(p, "\\\\.\\")) {
        p.erase(0, 4);
        if (starts_with_ci(p, "unc\\")) return "\\\\" + p.substr(4);
        if (starts_with_ci(p, "globalroot\\")) return "\\" + p.substr(11);  // stays NT
        return p;
    }
    if (starts_with_ci(p, "\\systemroot\\")) return std::string(system_root) + p.substr(11);
    if (p.size() >= 2 && p[0] == '\\' && p[1] == '\\') return p;  // UNC
    if (starts_with_ci(p, "\\device\\")) return p;                // an NT device path
    if (!p.empty() && p[0] == '\\') {
        // Rooted without a drive: the system drive's root.
        return std::string(system_root.substr(0, has_drive(system_root) ? 2 : 0)) + p;
    }
    if (relative_to_system_root && !has_drive(p) && !p.empty()) {
        return std::string(system_root) + "\\" + p;
    }
    return p;
}

std::optional<CommandTarget> command_target(std::string_view command, const TargetOptions& o,
                                            const PathExists& exists) {
    const std::string_view s = trim(command);
    if (s.empty()) return std::nullopt;
    // Program candidates with where the rest of the line starts, in the order tried.
    std::vector<std::pair<std::string_view, size_t>> candidates;
    if (s.front() == '"') {
        const size_t close = s.find('"', 1);
        const size_t end = close == std::string_view::npos ? s.size() : close;
        candidates.push_back({s.substr(1, end - 1), std::min(s.size(), end + 1)});
    } else {
        size_t at = 0;
        while (candidates.size() < k_max_prefix_tries) {
            const size_t space = s.find_first_of(" \t", at);
            if (space == std::string_view::npos) {
                candidates.push_back({s, s.size()});
                break;
            }
            candidates.push_back({s.substr(0, space), space});
            at = space + 1;
        }
    }
    CommandTarget t;
    std::optional<std::pair<std::string_view, size_t>> chosen;
    for (const auto& c : candidates) {
        Found f = find(trim(c.first), o, ".exe", exists);
        if (f.exists) {
            t.path = std::move(f.path);
            t.exists = true;
            chosen = c;
            break;
        }
    }
    if (!chosen) {
        // Nothing exists: the shortest prefix that ends like a file name, else the first word.
        chosen = candidates.front();
        for (const auto& c : candidates) {
            if (has_extension(c.first)) {
                chosen = c;
                break;
            }
        }
        t.path = find(trim(chosen->first), o, ".exe", exists).path;
    }
    t.arguments = std::string(trim(s.substr(chosen->second)));
    const std::string program = lower_ascii(file_name(trim(chosen->first)));
    if ((program == "rundll32.exe" || program == "rundll32") && !t.arguments.empty()) {
        // rundll32 [path\]x.dll,Entry args: the DLL is what runs.
        std::string_view a = t.arguments;
        std::string_view dll;
        if (a.front() == '"') {
            const size_t close = a.find('"', 1);
            dll = a.substr(1, (close == std::string_view::npos ? a.size() : close) - 1);
        } else {
            dll = a.substr(0, std::min(a.find(','), a.size()));
        }
        dll = trim(dll.substr(0, std::min(dll.find(','), dll.size())));
        if (!dll.empty()) {
            Found f = find(dll, o, ".dll", exists);
            t.via = std::move(t.path);
            t.path = std::move(f.path);
            t.exists = f.exists;
        }
    }
    return t;
}

}  // namespace irsnap::autoruns_win
