// SPDX-License-Identifier: Apache-2.0
// Line and word helpers shared by the autoruns parsers (internal; not a public interface).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace irsnap::autoruns::detail {

inline bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

struct Line {
    size_t number = 0;  ///< 1-based
    std::string_view text;
};

/// Physical lines with their numbers; a trailing '\r' (CRLF files) is dropped.
inline std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> out;
    size_t number = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back({++number, line});
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

/// Splits off the next blank-separated word of `s` (advancing it); empty at the end.
inline std::string_view next_word(std::string_view& s) {
    size_t i = 0;
    while (i < s.size() && is_blank(s[i])) ++i;
    size_t begin = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    std::string_view word = s.substr(begin, i - begin);
    s.remove_prefix(i);
    return word;
}

}  // namespace irsnap::autoruns::detail
