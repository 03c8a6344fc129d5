// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {

UnitFile parse_systemd_unit(std::string_view text) {
    // Like systemd: each physical line is trimmed, the trailing backslash becomes a space and the
    // next line is appended after one more space, so "a \\" + "b" reads "a  b".
    UnitFile unit;
    std::string section;
    std::string logical;  // the directive being continued, if any
    size_t logical_line = 0;
    bool continuing = false;

    auto finish = [&](std::string_view line, size_t number) {
        line = detail::trim(line);
        if (line.front() == '[') {
            if (line.back() == ']' && line.size() > 2) {
                section = line.substr(1, line.size() - 2);
            } else {
                ++unit.malformed;
            }
            return;
        }
        size_t eq = line.find('=');
        std::string_view key = detail::trim(line.substr(0, eq));
        if (eq == std::string_view::npos || key.empty()) {
            ++unit.malformed;
            return;
        }
        unit.directives.push_back(
            {number, section, std::string(key), std::string(detail::trim(line.substr(eq + 1)))});
    };

    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = detail::trim(raw);
        if (continuing) {
            // systemd drops comment lines that appear inside a continued value.
            if (!line.empty() && (line.front() == '#' || line.front() == ';')) continue;
        } else if (line.empty() || line.front() == '#' || line.front() == ';') {
            continue;
        }
        if (!continuing) logical_line = number;
        const bool continues = !line.empty() && line.back() == '\\';
        if (continues) line.remove_suffix(1);
        if (continuing) logical += ' ';
        logical += line;
        continuing = continues;
        if (continuing) continue;
        if (!detail::trim(logical).empty()) finish(logical, logical_line);
        logical.clear();
    }
    if (continuing && !detail::trim(logical).empty()) finish(logical, logical_line);
    return unit;
}

std::string_view strip_exec_prefixes(std::string_view value) {
    value = detail::trim(value);
    while (!value.empty() &&
           (value.front() == '-' || value.front() == '@' || value.front() == ':' ||
            value.front() == '+' || value.front() == '!')) {
        value.remove_prefix(1);
    }
    return value;
}

}  // namespace irsnap::autoruns
