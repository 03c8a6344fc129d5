// SPDX-License-Identifier: Apache-2.0
// Printing text that came from a host or a bundle. Every command prints through these, so a
// process named with escape sequences cannot clear the analyst's screen, set the window title or
// fake a line of output (see terminal_safe() for what is escaped).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/text.hpp"

namespace irsnap::cli {

template <typename T>
inline constexpr bool k_is_text =
    std::is_same_v<std::decay_t<T>, std::string> ||
    std::is_same_v<std::decay_t<T>, std::string_view> ||
    std::is_same_v<std::decay_t<T>, const char*> || std::is_same_v<std::decay_t<T>, char*>;

/// Text arguments become escaped strings; numbers and the like pass unchanged.
template <typename T>
using printable_t = std::conditional_t<k_is_text<T>, std::string, const T&>;

template <typename T>
printable_t<T> printable(const T& value) {
    if constexpr (k_is_text<T>) {
        return terminal_safe(std::string_view(value));
    } else {
        return value;
    }
}

/// fmt::format with every text argument passed through terminal_safe(). The format string is
/// ours and keeps its newlines; an argument can never add one.
template <typename... Args>
std::string format_safe(fmt::format_string<printable_t<Args>...> format, const Args&... args) {
    return fmt::format(format, printable(args)...);
}

/// The same, printed on stdout.
template <typename... Args>
void print_safe(fmt::format_string<printable_t<Args>...> format, const Args&... args) {
    fmt::print(format, printable(args)...);
}

/// A JSON document for stdout: invalid UTF-8 replaced, and the C1 and bidi characters JSON
/// leaves raw written as \uXXXX escapes (the same value for a JSON reader).
inline std::string dump_for_terminal(const nlohmann::json& value, int indent = -1) {
    return json_terminal_safe(
        value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace irsnap::cli
