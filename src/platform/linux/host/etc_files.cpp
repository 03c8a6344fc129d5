// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/etc_files.hpp"

#include <vector>

#include "irsnap/text.hpp"

namespace irsnap::etc {
namespace {

std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

/// Blank-separated words; a stray CR (a file edited on Windows) separates like a blank.
std::vector<std::string_view> words(std::string_view line) {
    return split_fields(line, " \t\r");
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::map<std::string, std::string> parse_etc_os_release(std::string_view text) {
    std::map<std::string, std::string> out;
    for (auto line : lines(text)) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string_view::npos || eq == 0) continue;
        std::string_view value = line.substr(eq + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        out[std::string(line.substr(0, eq))] = std::string(value);
    }
    return out;
}

std::string fqdn_from_etc_hosts(std::string_view hosts, const std::string& hostname) {
    if (hostname.empty() || hostname.find('.') != std::string::npos) return hostname;
    const std::string dotted = hostname + ".";
    for (auto line : lines(hosts)) {
        line = line.substr(0, line.find('#'));
        auto w = words(line);
        if (w.size() < 2) continue;  // address and at least one name
        bool names_host = false;
        for (size_t k = 1; k < w.size(); ++k) {
            names_host = names_host || w[k] == hostname || starts_with(w[k], dotted);
        }
        if (!names_host) continue;
        for (size_t k = 1; k < w.size(); ++k) {
            if (starts_with(w[k], dotted) && w[k].size() > dotted.size()) return std::string(w[k]);
        }
    }
    return hostname;
}

std::vector<Directive> parse_resolv_conf(std::string_view text) {
    std::vector<Directive> out;
    size_t number = 0;
    for (auto line : lines(text)) {
        ++number;
        if (!line.empty() && (line[0] == '#' || line[0] == ';')) continue;
        auto w = words(line);
        if (w.empty()) continue;
        Directive d{number, std::string(w[0]), {}};
        for (size_t k = 1; k < w.size(); ++k) d.values.emplace_back(w[k]);
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<Directive> parse_nsswitch_conf(std::string_view text, size_t* malformed) {
    std::vector<Directive> out;
    size_t bad = 0, number = 0;
    for (auto line : lines(text)) {
        ++number;
        line = line.substr(0, line.find('#'));
        if (words(line).empty()) continue;
        const size_t colon = line.find(':');
        auto key = colon == std::string_view::npos ? std::vector<std::string_view>{}
                                                   : words(line.substr(0, colon));
        if (key.size() != 1) {
            ++bad;
            continue;
        }
        Directive d{number, std::string(key[0]), {}};
        for (auto v : words(line.substr(colon + 1))) d.values.emplace_back(v);
        out.push_back(std::move(d));
    }
    if (malformed) *malformed = bad;
    return out;
}

}  // namespace irsnap::etc
