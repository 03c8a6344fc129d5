// SPDX-License-Identifier: Apache-2.0
// Internal helpers of the pure /proc/net table parsers (proc_net.cpp, proc_net_route.cpp): one
// row walker and one number reader, so every table treats headers, blank lines and junk alike.
#pragma once

#include <charconv>
#include <cstddef>
#include <string_view>
#include <vector>

namespace irsnap::procfs::table {

/// Whole-field number in `base`; false on empty text, junk or overflow.
template <typename T>
bool number_to(std::string_view text, T& out, int base) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc{} && end == text.data() + text.size();
}

template <typename T>
bool hex_to(std::string_view text, T& out) {
    return number_to(text, out, 16);
}

/// Calls `parse(line)` for each line (after the header line when `header`), skipping blank
/// lines; a line it rejects is counted in `malformed` when given.
template <typename Parse>
void for_each_table_row(std::string_view text, size_t* malformed, Parse&& parse,
                        bool header = true) {
    size_t bad = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (header) {
            header = false;
            continue;
        }
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        if (!parse(line)) ++bad;
    }
    if (malformed) *malformed = bad;
}

/// Fields separated by runs of spaces or tabs.
inline std::vector<std::string_view> split_ws(std::string_view text) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i > start) out.push_back(text.substr(start, i - start));
    }
    return out;
}

}  // namespace irsnap::procfs::table
