// SPDX-License-Identifier: Apache-2.0
#include "irsnap/hosts_file.hpp"

#include "irsnap/ip_text.hpp"

namespace irsnap::etc {
namespace {

std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (i < line.size()) {
        while (i < line.size() && space(line[i])) ++i;
        size_t begin = i;
        while (i < line.size() && !space(line[i])) ++i;
        if (i > begin) out.push_back(line.substr(begin, i - begin));
    }
    return out;
}

}  // namespace

std::vector<HostsEntry> parse_etc_hosts(std::string_view text, size_t* malformed) {
    std::vector<HostsEntry> out;
    size_t bad = 0, number = 0;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++number;
        auto w = fields(line.substr(0, line.find('#')));
        if (w.empty()) continue;
        if (!ip::is_ip_literal(w[0]) || w.size() < 2) {
            ++bad;
            continue;
        }
        HostsEntry e{number, std::string(w[0]), {}};
        for (size_t k = 1; k < w.size(); ++k) e.names.emplace_back(w[k]);
        out.push_back(std::move(e));
    }
    if (malformed) *malformed = bad;
    return out;
}

}  // namespace irsnap::etc
