// SPDX-License-Identifier: Apache-2.0
// Pure parsers for configuration files under /etc used in the manifest's host section.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace irsnap::etc {

/// /etc/os-release: KEY=value lines, values optionally in single or double quotes.
std::map<std::string, std::string> parse_etc_os_release(std::string_view text);

/// The host's FQDN without DNS: `hostname` itself when it has a dot, else the first name
/// "hostname.<domain>" on a hosts-file line that names the host; else `hostname`.
std::string fqdn_from_etc_hosts(std::string_view hosts, const std::string& hostname);

}  // namespace irsnap::etc
