// SPDX-License-Identifier: Apache-2.0
#include "network_config.hpp"

namespace irsnap::collectors {

const CollectorSpec& network_config_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const CollectorSpec spec{
        .name = "network_config",
        .description =
            "Name-resolution files (/etc/hosts, resolv.conf, nsswitch.conf, and host.conf, "
            "gai.conf, networks when present): content, SHA-256, metadata and parsed entries.",
        .volatility_rank = 18,
        .why =
            "Configuration on disk changes rarely, but resolv.conf is rewritten by DHCP and VPN "
            "clients at run time; it closes the network state before the process table.",
        .platforms = {"linux"},
        .privileges = "none: these files are world-readable on a normal host",
        .without_privileges = "a file the user cannot read is an item error; the rest goes on",
        .fields = {
            {"path", "string", "Path on the host, e.g. /etc/hosts.", k_linux},
            {"exists", "boolean",
             "The path exists (a dangling symlink exists: its content is null).", k_linux},
            {"is_symlink", "boolean",
             "The path is a symbolic link (resolv.conf often points into /run).", k_linux},
            {"link_target", "string",
             "The link's text as stored; it is followed inside the host root only, never out "
             "of it.",
             k_linux},
            {"size", "integer", "Size in bytes of the file read (after following the link).",
             k_linux},
            {"sha256", "string", "SHA-256 over every byte read, even when content is truncated.",
             k_linux},
            {"content", "string",
             "The file's text (at most 1 MiB; escaped when not UTF-8, see escaped_fields).",
             k_linux},
            {"truncated", "boolean", "content holds only the first 1 MiB.", k_linux},
            {"mtime", "string", "Modification time, RFC 3339 UTC.", k_linux},
            {"ctime", "string", "Inode change time, RFC 3339 UTC.", k_linux},
            {"owner_uid", "integer", "Owning user id.", k_linux},
            {"mode", "string", "Permission bits in octal, e.g. 0644.", k_linux},
            {"entries", "object[]",
             "Parsed lines (line is 1-based). hosts: address, names; resolv.conf: keyword "
             "(nameserver, search, options ...), values; nsswitch.conf: keyword (the database, "
             "e.g. hosts), values (sources and actions). Null for other files.",
             k_linux},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash).",
             k_linux},
        }};
    return spec;
}

}  // namespace irsnap::collectors
