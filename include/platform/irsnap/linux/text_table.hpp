// SPDX-License-Identifier: Apache-2.0
// Internal helpers of the pure /proc parsers (procfs.cpp, proc_maps.cpp, proc_modules.cpp, the
// /proc/net tables): one row walker, one line walker, one field splitter and one number
// reader, so every parser treats headers, blank lines and junk alike.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "irsnap/text.hpp"

namespace irsnap::procfs::table {

/// Whole-field number in `base`; false on empty text, junk or overflow.
template <typename T>
bool number_to(std::string_view text, T& out, int base) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc{} && end == text.data() + text.size();
}

/// The same as an optional: nullopt on empty text, junk or overflow.
template <typename T>
std::optional<T> to_number(std::string_view text, int base = 10) {
    T value{};
    if (!number_to(text, value, base)) return std::nullopt;
    return value;
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

/// Calls `fn(line)` for every line, blank ones included, without the newline.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
    while (!text.empty()) {
        size_t nl = text.find('\n');
        fn(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
}

/// Fields separated by runs of any of `separators` (spaces and tabs unless told).
inline std::vector<std::string_view> split_ws(std::string_view text,
                                              std::string_view separators = " \t") {
    return split_fields(text, separators);
}

}  // namespace irsnap::procfs::table
