// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {

DesktopEntry parse_desktop_entry(std::string_view text) {
    DesktopEntry entry;
    bool in_group = false;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = detail::trim(raw);
        if (line.empty() || line.front() == '#') continue;
        if (line.front() == '[') {
            if (line.back() != ']') {
                ++entry.malformed;
                in_group = false;
                continue;
            }
            // Only the main group describes what starts; actions and other groups do not.
            in_group = line == "[Desktop Entry]";
            entry.has_group = entry.has_group || in_group;
            continue;
        }
        size_t eq = line.find('=');
        std::string_view key =
            eq == std::string_view::npos ? line : detail::trim(line.substr(0, eq));
        if (eq == std::string_view::npos || key.empty()) {
            ++entry.malformed;
            continue;
        }
        if (!in_group) continue;
        std::string k(key);
        if (entry.keys.count(k)) continue;
        entry.keys.emplace(k, detail::trim(line.substr(eq + 1)));
        entry.lines.emplace(k, number);
    }
    return entry;
}

}  // namespace irsnap::autoruns
