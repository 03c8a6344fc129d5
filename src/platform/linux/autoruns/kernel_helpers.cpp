// SPDX-License-Identifier: Apache-2.0
// Programs the kernel itself starts: binfmt_misc interpreters and the core_pattern pipe.
#include <charconv>

#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {
namespace {

/// `line` without `key` and one separating blank, when it starts with them.
bool after(std::string_view line, std::string_view key, std::string_view& value) {
    if (line.substr(0, key.size()) != key) return false;
    value = line.substr(key.size());
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    return true;
}

}  // namespace

BinfmtMiscEntry parse_binfmt_misc_entry(std::string_view text) {
    BinfmtMiscEntry e;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = raw;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (detail::trim(line).empty()) continue;
        std::string_view value;
        if (line == "enabled") {
            e.enabled = true;
        } else if (line == "disabled") {
            e.enabled = false;
        } else if (after(line, "interpreter ", value)) {
            e.interpreter = std::string(value);  // a path may hold spaces: the whole rest
        } else if (after(line, "flags:", value)) {
            e.flags = std::string(detail::trim(value));
        } else if (after(line, "offset ", value)) {
            uint64_t n = 0;
            const auto v = detail::trim(value);
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec == std::errc() && end == v.data() + v.size()) {
                e.offset = n;
            } else {
                ++e.malformed;
            }
        } else if (after(line, "magic ", value)) {
            e.magic = std::string(detail::trim(value));
        } else if (after(line, "mask ", value)) {
            e.mask = std::string(detail::trim(value));
        } else if (after(line, "extension ", value)) {
            e.extension = std::string(detail::trim(value));
        } else {
            ++e.malformed;
        }
    }
    return e;
}

std::optional<std::string> core_pattern_pipe_command(std::string_view text) {
    // The kernel checks the first byte only (fs/coredump.c: ispipe = *pattern == '|').
    if (text.empty() || text.front() != '|') return std::nullopt;
    text.remove_prefix(1);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    return std::string(detail::trim(text));
}

}  // namespace irsnap::autoruns
