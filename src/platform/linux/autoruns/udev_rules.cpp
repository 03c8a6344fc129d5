// SPDX-License-Identifier: Apache-2.0
#include <cctype>

#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/autoruns_text.hpp"

namespace irsnap::autoruns {
namespace {

/// One `KEY op "value"` at `pos`; false when the text is not one.
bool parse_pair(std::string_view s, size_t& pos, UdevAssignment& out) {
    size_t i = pos;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    if (i == pos) return false;
    if (i < s.size() && s[i] == '{') {
        // Attribute names in braces may hold '/', '.', '-' and '*'.
        size_t close = s.find('}', i);
        if (close == std::string_view::npos) return false;
        i = close + 1;
    }
    out.key = s.substr(pos, i - pos);
    while (i < s.size() && detail::is_blank(s[i])) ++i;
    static constexpr std::string_view k_ops[] = {"==", "!=", "+=", "-=", ":=", "="};
    out.op.clear();
    for (auto op : k_ops) {
        if (s.substr(i, op.size()) == op) {
            out.op = op;
            break;
        }
    }
    if (out.op.empty()) return false;
    i += out.op.size();
    while (i < s.size() && detail::is_blank(s[i])) ++i;
    if (i < s.size() && s[i] == 'e') ++i;  // e"..." strings (udev 249+): same quoting rules here
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    out.value.clear();
    for (; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) {
            out.value += s[++i];
        } else if (s[i] == '"') {
            pos = i + 1;
            return true;
        } else {
            out.value += s[i];
        }
    }
    return false;  // unterminated string
}

}  // namespace

bool udev_key_executes(std::string_view key) {
    return key == "RUN" || key.rfind("RUN{", 0) == 0 || key == "PROGRAM" ||
           key == "IMPORT{program}";
}

UdevRules parse_udev_rules(std::string_view text) {
    UdevRules out;
    std::string logical;
    size_t logical_line = 0;
    auto finish = [&]() {
        UdevRule rule;
        rule.line = logical_line;
        std::string_view s = logical;
        size_t pos = 0;
        while (true) {
            while (pos < s.size() && (detail::is_blank(s[pos]) || s[pos] == ',')) ++pos;
            if (pos >= s.size()) break;
            UdevAssignment a;
            if (!parse_pair(s, pos, a)) {
                ++out.malformed;
                return;  // udev drops the whole rule line
            }
            rule.pairs.push_back(std::move(a));
        }
        if (!rule.pairs.empty()) out.rules.push_back(std::move(rule));
    };
    bool continuing = false;
    for (const auto& [number, raw] : detail::split_lines(text)) {
        std::string_view line = detail::trim(raw);
        if (!continuing && (line.empty() || line.front() == '#')) continue;
        if (!continuing) {
            logical.clear();
            logical_line = number;
        }
        continuing = !line.empty() && line.back() == '\\';
        if (continuing) line.remove_suffix(1);
        logical += line;
        if (!continuing) finish();
    }
    if (continuing) finish();
    return out;
}

}  // namespace irsnap::autoruns
