// SPDX-License-Identifier: Apache-2.0
#include "irsnap/hosts_file.hpp"

#include "irsnap/ip_text.hpp"
#include "irsnap/text.hpp"

namespace irsnap::etc {

std::vector<HostsEntry> parse_etc_hosts(std::string_view text, size_t* malformed) {
    std::vector<HostsEntry> out;
    size_t bad = 0, number = 0;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++number;
        auto w = split_fields(line.substr(0, line.find('#')), " \t\r");
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
