// SPDX-License-Identifier: Apache-2.0
#include "network_config.hpp"

namespace irsnap::collectors {

const CollectorSpec& network_config_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "network_config",
        .description =
            "Name-resolution files (/etc/hosts, resolv.conf, nsswitch.conf, and host.conf, "
            "gai.conf, networks when present): content, SHA-256, metadata and parsed entries. "
            "On Windows: hosts (and lmhosts, networks when present) in the resolver's database "
            "directory, the DNS client settings, and the DNS client cache.",
        .volatility_rank = 18,
        .why =
            "Configuration on disk changes rarely, but resolv.conf is rewritten by DHCP and VPN "
            "clients at run time; it closes the network state before the process table.",
        .platforms = {"linux", "windows"},
        .privileges =
            "none: these files are world-readable on a normal host (Windows: readable by "
            "Users; the DNS cache is open to every user)",
        .without_privileges = "a file the user cannot read is an item error; the rest goes on",
        .fields = {
            {"kind", "string",
             "file (a configuration file), dns_settings (the DNS client's servers and "
             "suffixes) or dns_cache (the DNS client cache).",
             k_windows},
            {"path", "string",
             "Path on the host, e.g. /etc/hosts or C:\\Windows\\system32\\drivers\\etc\\hosts; "
             "null for the dns_settings and dns_cache records."},
            {"database_path", "string",
             "Tcpip\\Parameters\\DataBasePath as stored in the registry (where the resolver "
             "looks for hosts; malware can point it elsewhere); null when absent, and then "
             "%SystemRoot%\\System32\\drivers\\etc is read.",
             k_windows},
            {"exists", "boolean",
             "The path exists (a dangling symlink exists: its content is null)."},
            {"is_symlink", "boolean",
             "The path is a symbolic link (resolv.conf often points into /run; Windows: a "
             "reparse point, followed when read)."},
            {"link_target", "string",
             "The link's text as stored; it is followed inside the host root only, never out "
             "of it.",
             k_linux},
            {"size", "integer", "Size in bytes of the file read (after following the link)."},
            {"sha256", "string", "SHA-256 over every byte read, even when content is truncated."},
            {"content", "string",
             "The file's text (at most 1 MiB; escaped when not UTF-8, see escaped_fields)."},
            {"truncated", "boolean", "content holds only the first 1 MiB."},
            {"mtime", "string", "Modification time, RFC 3339 UTC."},
            {"ctime", "string",
             "Inode change time, RFC 3339 UTC (Windows: the NTFS change time, ChangeTime)."},
            {"owner_uid", "integer", "Owning user id.", k_linux},
            {"mode", "string", "Permission bits in octal, e.g. 0644.", k_linux},
            {"entries", "object[]",
             "Parsed lines (line is 1-based). hosts: address, names; resolv.conf: keyword "
             "(nameserver, search, options ...), values; nsswitch.conf: keyword (the database, "
             "e.g. hosts), values (sources and actions). Null for other files. Windows "
             "dns_settings: keyword (hostname, domain, nameserver, search), values, source "
             "(GetNetworkParams, GetAdaptersAddresses, registry SearchList) and interface "
             "(null for global settings); dns_cache: name, type (A, AAAA, CNAME ...), flags "
             "and answers (name, type, ttl, data) from the cache alone."},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash)."},
        }};
    return spec;
}

}  // namespace irsnap::collectors
