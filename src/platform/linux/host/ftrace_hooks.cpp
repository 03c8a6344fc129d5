// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/ftrace_hooks.hpp"

#include <algorithm>
#include <cctype>

#include "irsnap/linux/detached_mount.hpp"

namespace irsnap::ftrace {
namespace {

bool symbol_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

/// Every "name+0x" in `text` (a symbol with its offset, as %pS prints it).
std::vector<std::string> symbols_in(std::string_view text) {
    std::vector<std::string> out;
    for (size_t at = text.find("+0x"); at != std::string_view::npos;
         at = text.find("+0x", at + 3)) {
        size_t start = at;
        while (start > 0 && symbol_char(text[start - 1])) --start;
        if (start == at) continue;
        std::string name(text.substr(start, at - start));
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return out;
}

/// Every "[module]" in `text`, once each.
std::vector<std::string> modules_in(std::string_view text) {
    std::vector<std::string> out;
    for (size_t open = text.find('['); open != std::string_view::npos;
         open = text.find('[', open + 1)) {
        const size_t close = text.find(']', open + 1);
        if (close == std::string_view::npos) break;
        std::string name(text.substr(open + 1, close - open - 1));
        if (name.empty() || !std::all_of(name.begin(), name.end(), symbol_char)) continue;
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return out;
}

}  // namespace

std::vector<Hook> parse_enabled_functions(std::string_view text, size_t* malformed) {
    std::vector<Hook> out;
    size_t bad = 0;
    while (!text.empty()) {
        const size_t end = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        if (line.empty()) continue;
        const size_t space = line.find(' ');
        const size_t open = line.find(" (");
        const size_t close = open == std::string_view::npos ? open : line.find(')', open);
        if (space == 0 || space == std::string_view::npos || open != space ||
            close == std::string_view::npos) {
            ++bad;
            continue;
        }
        Hook hook;
        hook.function = std::string(line.substr(0, space));
        for (char c : line.substr(open + 2, close - open - 2)) {
            if (!std::isdigit(static_cast<unsigned char>(c))) break;
            hook.count = hook.count * 10 + static_cast<uint32_t>(c - '0');
            if (hook.count > 1000000) break;
        }
        // The flag letters stand alone between ")" and the first tab (or the end).
        const std::string_view rest = line.substr(close + 1);
        const std::string_view flags = rest.substr(0, rest.find('\t'));
        for (size_t i = 0; i < flags.size(); ++i) {
            const bool alone =
                (i == 0 || flags[i - 1] == ' ') && (i + 1 == flags.size() || flags[i + 1] == ' ');
            if (alone && std::isupper(static_cast<unsigned char>(flags[i])))
                hook.flags.emplace_back(1, flags[i]);
        }
        hook.callbacks = symbols_in(rest);
        hook.modules = modules_in(rest);
        out.push_back(std::move(hook));
    }
    if (malformed) *malformed = bad;
    return out;
}

Result<UniqueFd> private_tracefs() {
    return detached_mount("tracefs");
}

}  // namespace irsnap::ftrace
