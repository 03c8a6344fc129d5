// SPDX-License-Identifier: Apache-2.0
// Pure parsers for configuration files under /etc used in the manifest's host section.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/hosts_file.hpp"  // parse_etc_hosts: shared with Windows

namespace irsnap::etc {

/// /etc/os-release: KEY=value lines, values optionally in single or double quotes.
std::map<std::string, std::string> parse_etc_os_release(std::string_view text);

/// The host's FQDN without DNS: `hostname` itself when it has a dot, else the first name
/// "hostname.<domain>" on a hosts-file line that names the host; else `hostname`.
std::string fqdn_from_etc_hosts(std::string_view hosts, const std::string& hostname);

/// One "keyword value..." line of resolv.conf or nsswitch.conf (1-based line number).
struct Directive {
    size_t line = 0;
    std::string keyword;
    std::vector<std::string> values;
};

/// /etc/resolv.conf: nameserver, search, domain, options, sortlist lines. As in glibc, only a
/// line that starts with '#' or ';' is a comment; every directive is kept, known or not.
std::vector<Directive> parse_resolv_conf(std::string_view text);

/// /etc/nsswitch.conf: "database: source [ACTION=...] ..." lines; '#' starts a comment. A line
/// without the colon is counted in `malformed`.
std::vector<Directive> parse_nsswitch_conf(std::string_view text, size_t* malformed = nullptr);

}  // namespace irsnap::etc
