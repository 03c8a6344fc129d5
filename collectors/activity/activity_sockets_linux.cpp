// SPDX-License-Identifier: Apache-2.0
// TCP and UDP during the window (activity_linux.hpp). The BPF tracepoint names the process
// only when the state change happens in its own context (connect, listen, close); the rest
// (an answer arriving, an accepted connection) runs in the kernel's softirq for whatever task
// was on the CPU, so their owner comes from the socket's earlier events, its listener, or the
// descriptor walk.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activity_linux.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/linux/proc_net.hpp"
#include "irsnap/linux/sock_diag.hpp"
#include "irsnap/text.hpp"
#include "network/network_linux.hpp"

namespace irsnap::collectors::activity {
namespace {

// The kernel's TCP state numbers (include/net/tcp_states.h).
enum : int {
    k_established = 1,
    k_syn_sent = 2,
    k_syn_recv = 3,
    k_fin_wait1 = 4,
    k_close = 7,
    k_close_wait = 8,
    k_last_ack = 9,
    k_listen = 10,
};

/// Transitions a process makes itself, in its own context: the tracepoint's current task is
/// the socket's owner only for these.
bool in_process_context(int from, int to) {
    return (from == k_close && to == k_syn_sent) || to == k_listen ||
           (from == k_established && to == k_fin_wait1) ||
           (from == k_close_wait && to == k_last_ack);
}

struct RawSeen {
    std::string socket_type;  ///< raw or packet
    uint64_t netns = 0;
    int64_t protocol = 0;  ///< IP protocol (raw) or ethertype (packet)
    Stamp first;
    std::set<int64_t> owners;
};

}  // namespace

struct SocketWatcher::Impl : WindowParts {
    explicit Impl(const WindowParts& parts) : WindowParts(parts) {}
    std::vector<network_linux::NetnsView> namespaces;
    std::map<uint64_t, SocketTable> last;
    bool have_baseline = false;
    std::map<uint64_t, int64_t> sock_owner;  ///< BPF socket id -> pid
    std::map<uint64_t, std::string> sock_direction;
    std::map<uint64_t, Endpoints> sock_ends;   ///< the endpoints once the port is known
    std::map<uint16_t, int64_t> listen_owner;  ///< TCP port -> the listener's pid
    std::map<uint64_t, RawSeen> raw;           ///< by inode
    std::set<std::string> reported;            ///< errors already recorded once

    void report_once(const ItemError& e) {
        if (reported.insert(e.stage + e.message).second) sink.item_error(e);
    }

    std::optional<int64_t> owner_of(const Endpoints& ends, uint64_t inode) {
        std::optional<int64_t> pid =
            ends.protocol == "tcp" ? owners.tcp_owner(ends) : owners.udp_owner(ends.local_port);
        if (!pid) pid = owners.inode_owner(inode);
        return pid;
    }

    SocketTable read_namespace(const network_linux::NetnsView& ns, uint32_t states, bool tcp) {
        SocketTable table;
        const int ns_fd = ns.ns_fd ? ns.ns_fd.get() : -1;
        for (int family : {AF_INET, AF_INET6}) {
            for (int protocol : {IPPROTO_TCP, IPPROTO_UDP}) {
                if (protocol == IPPROTO_TCP && !tcp) continue;
                auto rows = netlink::dump_inet_sockets(family, protocol, ns_fd, states);
                if (!rows) {
                    report_once(rows.error());
                    continue;
                }
                const std::string proto = protocol == IPPROTO_TCP ? "tcp" : "udp";
                for (const auto& row : *rows) {
                    SocketRow r;
                    r.ends = {proto,          family_text(family), row.local_address,
                              row.local_port, row.remote_address,  row.remote_port};
                    r.state = procfs::tcp_state_name(row.state);
                    r.pid = owner_of(r.ends, row.inode);
                    if (r.pid) r.process = owners.name(*r.pid).process;
                    if (r.state == "LISTEN" && r.pid) listen_owner[row.local_port] = *r.pid;
                    views.add(ns.inode, proto, row.local_port, "sock_diag");
                    table.emplace(r.ends, std::move(r));
                }
            }
        }
        return table;
    }

    void scan_raw(const network_linux::NetnsView& ns, const std::set<uint64_t>& own) {
        auto note = [&](uint64_t inode, const std::string& type, int64_t protocol) {
            if (inode == 0 || own.count(inode)) return;
            auto [it, fresh] = raw.try_emplace(inode);
            if (fresh) it->second = {type, ns.inode, protocol, clock.now(), {}};
            if (auto pid = owners.inode_owner(inode)) it->second.owners.insert(*pid);
        };
        for (const char* table : {"net/raw", "net/raw6"}) {
            auto text = network_linux::read_net_table(ns, table, sink);
            if (!text) continue;
            const int family = std::string_view(table) == "net/raw" ? AF_INET : AF_INET6;
            for (const auto& row : procfs::parse_proc_net_inet(*text, family)) {
                note(row.inode, "raw", row.local_port);
            }
        }
        if (auto text = network_linux::read_net_table(ns, "net/packet", sink)) {
            for (const auto& row : procfs::parse_proc_net_packet(*text)) {
                note(row.inode, "packet", row.protocol);
            }
        }
    }

    /// irsnap's own sockets (its packet rings): not evidence.
    std::set<uint64_t> own_socket_inodes() {
        std::set<uint64_t> inodes;
        auto fds = posix::open_dir_at(AT_FDCWD, "/proc/self/fd");
        if (!fds) return inodes;
        for (int32_t fd : posix::numeric_entries(fds->get())) {
            auto link = posix::read_link_at(fds->get(), std::to_string(fd));
            if (!link) continue;
            if (auto inode = procfs::parse_socket_link(*link)) inodes.insert(*inode);
        }
        return inodes;
    }
};

SocketWatcher::SocketWatcher(const Context& ctx, ActivityRecorder& recorder, Owners& owners,
                             EndpointViews& views, const WindowClock& clock, RecordSink& sink)
    : m(std::make_unique<Impl>(WindowParts{ctx, recorder, owners, views, clock, sink})) {
    m->namespaces = network_linux::network_namespaces(ctx, sink);
}

SocketWatcher::~SocketWatcher() = default;

void SocketWatcher::tcp_state(uint64_t sock, const Endpoints& given, int old_state, int new_state,
                              int64_t pid, const std::string& comm, int64_t monotonic_ns) {
    // The kernel reports local port 0 before connect() picks one and again once close()
    // released it: the socket's known endpoints stand in then.
    Endpoints ends = given;
    if (ends.local_port != 0) {
        m->sock_ends[sock] = ends;
    } else if (auto known = m->sock_ends.find(sock); known != m->sock_ends.end()) {
        ends = known->second;
    }
    ConnectionEvent e;
    e.source = "bpf";
    e.at = m->clock.from_monotonic(monotonic_ns);
    e.ends = ends;
    e.old_state = procfs::tcp_state_name(static_cast<uint8_t>(old_state));
    e.new_state = procfs::tcp_state_name(static_cast<uint8_t>(new_state));
    m->views.add(0, "tcp", ends.local_port, "bpf");
    if (in_process_context(old_state, new_state)) {
        m->sock_owner[sock] = pid;
        m->owners.own_tcp(ends, pid);
        m->owners.named(pid, comm, "");
        if (new_state == k_listen) m->listen_owner[ends.local_port] = pid;
    }
    if (old_state == k_close && new_state == k_syn_sent) {
        e.event = "connect";
        m->sock_direction[sock] = "outbound";
    } else if (new_state == k_listen) {
        e.event = "listen";
        m->sock_direction[sock] = "listen";
    } else if (old_state == k_syn_recv && new_state == k_established) {
        e.event = "accept";
        m->sock_direction[sock] = "inbound";
        auto listener = m->listen_owner.find(ends.local_port);
        if (listener != m->listen_owner.end()) {
            m->sock_owner[sock] = listener->second;
            m->owners.own_tcp(ends, listener->second);
        }
    } else if (new_state == k_close) {
        e.event = "close";
    } else {
        e.event = "state";
    }
    auto owner = m->sock_owner.find(sock);
    if (owner != m->sock_owner.end()) {
        e.pid = owner->second;
    } else if (auto known = m->owners.tcp_owner(ends)) {
        e.pid = known;
    }
    // The connect itself has no local port yet (it is chosen after SYN_SENT is set): the
    // socket's later events tie its endpoints to the owner, for flows and DNS over TCP.
    if (e.pid && ends.local_port != 0) m->owners.own_tcp(ends, *e.pid);
    auto dir = m->sock_direction.find(sock);
    if (dir != m->sock_direction.end()) e.direction = dir->second;
    if (e.pid) {
        const auto& name = m->owners.name(*e.pid);
        e.process = name.process;
        e.exe = name.exe;
    }
    if (new_state == k_close) {
        m->sock_owner.erase(sock);
        m->sock_direction.erase(sock);
        m->sock_ends.erase(sock);
    }
    m->recorder.connection(e);
}

void SocketWatcher::udp_send(const Endpoints& ends, int64_t pid, const std::string& comm,
                             int64_t monotonic_ns) {
    m->owners.own_udp(ends.local_port, pid);
    m->owners.named(pid, comm, "");
    m->views.add(0, "udp", ends.local_port, "bpf");
    ConnectionEvent e;
    e.event = "send";
    e.source = "bpf";
    e.at = m->clock.from_monotonic(monotonic_ns);
    e.ends = ends;
    e.direction = "outbound";
    e.pid = pid;
    const auto& name = m->owners.name(pid);
    e.process = name.process;
    e.exe = name.exe;
    m->recorder.connection(e);
}

void SocketWatcher::poll(bool emit, bool tcp, bool time_wait) {
    const Stamp at = m->clock.now();
    const uint32_t states = time_wait ? 0xffffffffu : ~(1u << 6);
    for (const auto& ns : m->namespaces) {
        auto table = m->read_namespace(ns, states, tcp);
        auto& before = m->last[ns.inode];
        if (emit && m->have_baseline) {
            for (auto& e : diff_socket_tables(before, table, at, "sock_diag")) {
                if (e.pid) e.exe = m->owners.name(*e.pid).exe;
                m->recorder.connection(e);
            }
        }
        before = std::move(table);
    }
    m->have_baseline = true;
}

void SocketWatcher::scan_proc(bool tables) {
    const auto own = m->own_socket_inodes();
    for (const auto& ns : m->namespaces) {
        // /proc/net/tcp is formatted line by line and re-walked per read: thousands of sockets
        // cost the kernel more than the whole window's events, so it is a view at the window's
        // start and end, and the small raw and packet tables are read every second.
        for (const char* table : {"net/tcp", "net/tcp6", "net/udp", "net/udp6"}) {
            if (!tables) break;
            auto text = network_linux::read_net_table(ns, table, m->sink);
            if (!text) continue;
            const std::string_view name(table);
            const int family = name.back() == '6' ? AF_INET6 : AF_INET;
            const std::string proto = name.substr(4, 3) == "tcp" ? "tcp" : "udp";
            for (const auto& row : procfs::parse_proc_net_inet(*text, family)) {
                m->views.add(ns.inode, proto, row.local_port, "proc");
            }
        }
        m->scan_raw(ns, own);
    }
}

void SocketWatcher::finish() {
    scan_proc(true);
    for (const auto& [inode, seen] : m->raw) {
        nlohmann::json r;
        r["time"] = format_rfc3339_utc(seen.first.unix_ns);
        r["monotonic_ns"] = seen.first.monotonic_ns;
        r["source"] = "proc";
        r["protocol"] = seen.socket_type;
        r["socket_type"] = seen.socket_type;
        r["local_port"] = seen.protocol;
        r["inode"] = inode;
        if (seen.netns) r["netns"] = seen.netns;
        nlohmann::json owners = nlohmann::json::array();
        bool escaped = false;
        for (int64_t pid : seen.owners) {
            owners.push_back(
                {{"pid", pid}, {"name", escape_bytes(m->owners.name(pid).process, escaped)}});
        }
        if (escaped) r["escaped_fields"].push_back("owners");
        r["owners"] = std::move(owners);
        m->recorder.other("raw_socket", std::move(r));
    }
}

std::vector<uint64_t> SocketWatcher::namespaces() const {
    std::vector<uint64_t> out;
    for (const auto& ns : m->namespaces) out.push_back(ns.inode);
    return out;
}

std::vector<std::pair<uint64_t, int>> SocketWatcher::namespace_fds() const {
    std::vector<std::pair<uint64_t, int>> out;
    for (const auto& ns : m->namespaces) {
        if (ns.via_pid != 0 && !ns.ns_fd) continue;  // cannot be entered
        out.emplace_back(ns.inode, ns.ns_fd ? ns.ns_fd.get() : -1);
    }
    return out;
}

}  // namespace irsnap::collectors::activity
