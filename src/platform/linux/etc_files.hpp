// SPDX-License-Identifier: Apache-2.0
// Pure parsers for configuration files under /etc used in the manifest's host section.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::etc {

/// /etc/os-release: KEY=value lines, values optionally in single or double quotes.
std::map<std::string, std::string> parse_etc_os_release(std::string_view text);

/// The host's FQDN without DNS: `hostname` itself when it has a dot, else the first name
/// "hostname.<domain>" on a hosts-file line that names the host; else `hostname`.
std::string fqdn_from_etc_hosts(std::string_view hosts, const std::string& hostname);

/// One /etc/hosts line: an address and the names it answers for (1-based line number).
struct HostsEntry {
    size_t line = 0;
    std::string address;
    std::vector<std::string> names;
};

/// /etc/hosts as the resolver reads it: '#' starts a comment anywhere, fields are separated by
/// spaces or tabs, CRLF tolerated. A line with an address that is neither IPv4 nor IPv6 or with
/// no name is skipped (the resolver ignores it too) and counted in `malformed`.
std::vector<HostsEntry> parse_etc_hosts(std::string_view text, size_t* malformed = nullptr);

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
