// SPDX-License-Identifier: Apache-2.0
// The hosts file (/etc/hosts on Linux, %SystemRoot%\System32\drivers\etc\hosts on Windows): the
// same format on both, so one pure parser serves the network_config collector everywhere.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::etc {

/// One hosts-file line: an address and the names it answers for (1-based line number).
struct HostsEntry {
    size_t line = 0;
    std::string address;
    std::vector<std::string> names;
};

/// The hosts file as the resolver reads it: '#' starts a comment anywhere, fields are separated
/// by spaces or tabs, CRLF tolerated. A line with an address that is neither IPv4 nor IPv6 (as
/// inet_pton judges it: no zone id) or with no name is skipped (the resolver ignores it too) and
/// counted in `malformed`.
std::vector<HostsEntry> parse_etc_hosts(std::string_view text, size_t* malformed = nullptr);

}  // namespace irsnap::etc
