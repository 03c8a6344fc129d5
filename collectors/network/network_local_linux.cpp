// SPDX-License-Identifier: Apache-2.0
// Unix-domain and packet sockets of one network namespace (/proc only), and the netlink table,
// whose inodes complete the set of sockets the kernel lists.
#include <fcntl.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/text.hpp"
#include "network_linux.hpp"

namespace irsnap::collectors::network_linux {
namespace {

using nlohmann::json;

json netns_json(const NetnsView& ns) {
    return ns.inode ? json(ns.inode) : json(nullptr);
}

void report_malformed(size_t malformed, const char* file, const NetnsView& ns, RecordSink& sink) {
    if (malformed) {
        sink.item_error(
            ItemError::without_code("parse", fmt::format("{} ({})", file, ns.label()),
                                    fmt::format("{} malformed row(s) skipped", malformed)));
    }
}

/// Unix sockets: local IPC, where a shell bound to an abstract socket is a classic backdoor.
void emit_unix(const NetnsView& ns, std::set<uint64_t>& seen, RecordSink& sink) {
    auto text = read_net_table(ns, "net/unix", sink);
    if (!text) return;
    size_t malformed = 0;
    for (const auto& u : procfs::parse_proc_net_unix(*text, &malformed)) {
        json r = {{"protocol", "unix"},
                  {"family", "unix"},
                  {"socket_type", procfs::unix_type_name(u.type)},
                  {"state", procfs::unix_state_name(u.state, u.flags)},
                  {"inode", u.inode},
                  {"netns", netns_json(ns)},
                  {"views", json::array({"proc"})},
                  {"cross_view_discrepancy", false},
                  {"discrepancy", nullptr}};
        bool escaped = false;
        r["local_address"] = escape_bytes(u.path, escaped);
        if (escaped) r["escaped_fields"] = json::array({"local_address"});
        seen.insert(u.inode);
        sink.emit(r);
    }
    report_malformed(malformed, "net/unix", ns, sink);
}

/// Packet sockets see whole frames: every sniffer (and some backdoors that wait for a magic
/// packet) holds one.
void emit_packet(const NetnsView& ns, std::set<uint64_t>& seen, RecordSink& sink) {
    auto text = read_net_table(ns, "net/packet", sink);
    if (!text) return;
    size_t malformed = 0;
    for (const auto& p : procfs::parse_proc_net_packet(*text, &malformed)) {
        seen.insert(p.inode);
        sink.emit({{"protocol", "packet"},
                   {"family", "packet"},
                   {"socket_type", p.type == 3   ? "raw"
                                   : p.type == 2 ? "dgram"
                                                 : fmt::format("type_{}", p.type)},
                   // A packet socket is bound to an interface and an ethertype, not an
                   // address: null, never left out (every record has every field).
                   {"local_address", nullptr},
                   {"remote_address", nullptr},
                   {"remote_port", nullptr},
                   {"local_port", p.protocol},
                   {"interface_index", p.ifindex},
                   {"state", p.running ? "RUNNING" : "STOPPED"},
                   {"inode", p.inode},
                   {"uid", p.uid},
                   {"netns", netns_json(ns)},
                   {"views", json::array({"proc"})},
                   {"cross_view_discrepancy", false},
                   {"discrepancy", nullptr}});
    }
    report_malformed(malformed, "net/packet", ns, sink);
}

/// The netlink family's name, as ss prints it.
std::string netlink_family_name(int protocol) {
    static const char* const k_names[] = {
        "route",         "unused",   "usersock", "firewall",       "sock_diag",  "nflog",
        "xfrm",          "selinux",  "iscsi",    "audit",          "fib_lookup", "connector",
        "netfilter",     "ip6_fw",   "dnrtmsg",  "kobject_uevent", "generic",    "dm",
        "scsitransport", "ecryptfs", "rdma",     "crypto",         "smc"};
    if (protocol >= 0 && protocol < static_cast<int>(std::size(k_names))) {
        return k_names[protocol];
    }
    return fmt::format("protocol_{}", protocol);
}

/// Netlink sockets talk to the kernel: audit and uevent listeners, routing daemons, and
/// anything that reads the kernel's tables (ss -a lists them too).
void emit_netlink(const NetnsView& ns, std::set<uint64_t>& seen, RecordSink& sink) {
    auto text = read_net_table(ns, "net/netlink", sink);
    if (!text) return;
    size_t malformed = 0;
    for (const auto& n : procfs::parse_proc_net_netlink(*text, &malformed)) {
        seen.insert(n.inode);
        sink.emit({{"protocol", "netlink"},
                   {"family", "netlink"},
                   {"socket_type", nullptr},
                   {"local_address", netlink_family_name(n.protocol)},
                   {"remote_address", nullptr},
                   {"remote_port", nullptr},
                   {"local_port", n.port_id},
                   {"state", nullptr},
                   {"inode", n.inode},
                   {"netns", netns_json(ns)},
                   {"views", json::array({"proc"})},
                   {"cross_view_discrepancy", false},
                   {"discrepancy", nullptr}});
    }
    report_malformed(malformed, "net/netlink", ns, sink);
}

}  // namespace

std::string NetnsView::label() const {
    if (via_pid == 0) return inode ? fmt::format("netns {}", inode) : "own netns";
    return fmt::format("netns {} via pid {}", inode, via_pid);
}

std::optional<std::string> read_net_table(const NetnsView& ns, const std::string& name,
                                          RecordSink& sink) {
    auto text = posix::read_file_at(ns.proc_dir.get(), name, 64u << 20);
    if (text) return std::move(*text);
    if (text.error().code != ENOENT) {
        auto e = text.error();
        e.path = fmt::format("{} ({})", name, ns.label());
        sink.item_error(e);
    }
    return std::nullopt;
}

void put_owners(json& record, const SocketOwners& owners, uint64_t inode) {
    json out = json::array();
    auto it = inode == 0 ? owners.end() : owners.find(inode);
    bool escaped = false;
    if (it != owners.end()) {
        for (const auto& o : it->second) {
            json name = nullptr;
            if (o.name) {
                bool e = false;
                name = escape_bytes(*o.name, e);
                escaped = escaped || e;
            }
            out.push_back({{"pid", o.pid}, {"fd", o.fd}, {"name", std::move(name)}});
        }
    }
    record["owners"] = std::move(out);
    if (escaped) {
        if (!record.contains("escaped_fields")) record["escaped_fields"] = json::array();
        record["escaped_fields"].push_back("owners");
    }
}

void emit_local_sockets(const NetnsView& ns, std::set<uint64_t>& seen, RecordSink& sink) {
    emit_unix(ns, seen, sink);
    emit_packet(ns, seen, sink);
    emit_netlink(ns, seen, sink);
}

std::set<uint64_t> table_inodes(const NetnsView& ns) {
    std::set<uint64_t> out;
    add_inet_table_inodes(ns, out);
    NullSink quiet;
    emit_local_sockets(ns, out, quiet);
    return out;
}

}  // namespace irsnap::collectors::network_linux
