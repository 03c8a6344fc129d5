// SPDX-License-Identifier: Apache-2.0
// The network collector's third view: the kernel's own socket hash tables through BPF iterators
// (iter/tcp, iter/udp, iter/unix), read per namespace before its netlink and /proc tables. A
// socket the kernel lists adds the iterator's name to its record's views; one that only the
// kernel lists, listed again after the tables were read, is hidden from both other views.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/ip_text.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/text.hpp"
#include "network.hpp"
#include "network_linux.hpp"

namespace irsnap::collectors::network_linux {
namespace {

using kernel_view::KernelSocket;
using kernel_view::SocketTable;
using nlohmann::json;

const char* kernel_protocol_name(const KernelSocket& s) {
    if (s.table == SocketTable::unix_domain) return "unix";
    if (s.protocol == 136) return "udplite";  // IPPROTO_UDPLITE
    return s.table == SocketTable::tcp ? "tcp" : "udp";
}

/// A unix socket's sk_state as /proc/net/unix words it (its St column counts SS_* instead).
std::string kernel_unix_state(uint8_t state) {
    switch (state) {
        case 10:
            return "LISTEN";  // TCP_LISTEN
        case 1:
            return "CONNECTED";  // TCP_ESTABLISHED
        case 7:
            return "UNCONNECTED";  // TCP_CLOSE
        case 2:
            return "CONNECTING";  // TCP_SYN_SENT
        default:
            return fmt::format("UNKNOWN_{}", state);
    }
}

/// The bound name as /proc/net/unix shows it: "@name" for an abstract one, the path without
/// the terminating NUL the kernel keeps.
std::string kernel_unix_path(const std::string& raw) {
    if (raw.empty()) return raw;
    if (raw[0] == '\0') return "@" + raw.substr(1);
    return raw.substr(0, raw.find('\0'));
}

/// The protocols one of the three iterators lists (UDP-Lite has a table of its own).
bool iterated_protocol(const std::string& protocol) {
    return protocol == "tcp" || protocol == "udp" || protocol == "unix";
}

const char* iterator_of(const std::string& protocol) {
    return protocol == "tcp" ? "iter/tcp" : protocol == "udp" ? "iter/udp" : "iter/unix";
}

void add_discrepancy(json& record, const std::string& text) {
    auto& d = record["discrepancy"];
    d = d.is_string() ? d.get<std::string>() + "; " + text : text;
    record["cross_view_discrepancy"] = true;
}

/// A TCP socket without an inode (TIME_WAIT, a request) as its record's endpoints.
InodelessKey inodeless_key(const KernelSocket& s) {
    const bool v6 = s.family == 10;  // AF_INET6
    auto text = [v6](const std::array<uint8_t, 16>& a) {
        return v6 ? ip::format_ipv6(a.data()) : ip::format_ipv4(a.data());
    };
    return {text(s.local_address), s.local_port, text(s.remote_address), s.remote_port};
}

}  // namespace

json kernel_only_record(const KernelSocket& s, bool netlink_read) {
    const bool is_unix = s.table == SocketTable::unix_domain;
    std::string missing = is_unix        ? "/proc/net/unix"
                          : netlink_read ? "netlink and /proc/net"
                                         : "/proc/net";
    json r = {{"protocol", kernel_protocol_name(s)},
              {"inode", s.inode},
              {"uid", s.uid},
              {"netns", s.netns ? json(s.netns) : json(nullptr)},
              {"views", json::array({s.view()})},
              {"cross_view_discrepancy", true},
              {"discrepancy", fmt::format("only the kernel's socket table ({}) holds it: missing "
                                          "from {} (re-checked)",
                                          s.view(), missing)}};
    if (is_unix) {
        r["family"] = "unix";
        r["socket_type"] = procfs::unix_type_name(s.type);
        r["state"] = kernel_unix_state(s.state);
        bool escaped = false;
        r["local_address"] = escape_bytes(kernel_unix_path(s.unix_path), escaped);
        if (escaped) r["escaped_fields"] = json::array({"local_address"});
        return r;
    }
    const bool v6 = s.family == 10;  // AF_INET6
    r["family"] = v6 ? "ipv6" : "ipv4";
    r["local_address"] =
        v6 ? ip::format_ipv6(s.local_address.data()) : ip::format_ipv4(s.local_address.data());
    r["remote_address"] =
        v6 ? ip::format_ipv6(s.remote_address.data()) : ip::format_ipv4(s.remote_address.data());
    r["local_port"] = s.local_port;
    r["remote_port"] = s.remote_port;
    r["state"] = procfs::tcp_state_name(s.state);
    return r;
}

KernelSocketView::KernelSocketView(const Context& ctx, RecordSink& sink) {
    if (!ctx.live_proc()) return;  // collect_network's note on netlink says so for both
    std::string why;
    if (!ctx.params.bpf) {
        why = "--no-bpf";
    } else {
        why = kernel_view::kernel_views_unavailable();
    }
    if (why.empty()) {
        auto reader = kernel_view::KernelSocketReader::load();
        if (reader) {
            m_reader = std::move(*reader);
            m_read = [this](int netns_fd) { return m_reader->read(netns_fd); };
            return;
        }
        why = reader.error().message.empty() ? reader.error().text() : reader.error().message;
    }
    sink.coverage("kernel socket tables (iter/tcp, iter/udp, iter/unix) not read (" + why +
                  "): sockets were compared across netlink and /proc/net only");
}

KernelSocketView::~KernelSocketView() = default;

bool KernelSocketView::read(const NetnsView& ns, RecordSink& sink) {
    m_sockets.clear();
    m_by_inode.clear();
    m_listed = false;
    if (!m_read) return false;
    // Another namespace is entered by a helper thread, which needs root (as netlink does).
    if (ns.via_pid != 0 && !ns.ns_fd) return false;
    auto sockets = m_read(ns.via_pid == 0 ? -1 : ns.ns_fd.get());
    if (!sockets) {
        auto e = sockets.error();
        e.path = fmt::format("{} ({})", e.path, ns.label());
        sink.item_error(e);
        return false;
    }
    m_sockets = std::move(*sockets);
    m_inodeless.clear();
    for (const auto& s : m_sockets) {
        if (s.inode) {
            m_by_inode.emplace(s.inode, &s);
        } else if (s.table == SocketTable::tcp) {
            m_inodeless.insert(inodeless_key(s));
        }
    }
    m_listed = m_read_any = true;
    return true;
}

const char* KernelSocketView::view_of(const json& record) const {
    const uint64_t inode = record.value("inode", uint64_t{0});
    if (inode) {
        auto it = m_by_inode.find(inode);
        return it == m_by_inode.end() ? nullptr : it->second->view();
    }
    // TIME_WAIT and request sockets have no inode: the same endpoints are the same socket.
    if (m_inodeless.empty() || record.value("protocol", "") != "tcp") return nullptr;
    const InodelessKey key{
        record.value("local_address", ""), record.value("local_port", uint16_t{0}),
        record.value("remote_address", ""), record.value("remote_port", uint16_t{0})};
    return m_inodeless.count(key) ? "iter/tcp" : nullptr;
}

std::vector<const KernelSocket*> KernelSocketView::unseen(const std::set<uint64_t>& seen) const {
    std::vector<const KernelSocket*> out;
    for (const auto& [inode, socket] : m_by_inode) {
        if (!seen.count(inode)) out.push_back(socket);
    }
    return out;
}

Result<std::map<uint64_t, const char*>> KernelSocketView::read_again(const NetnsView& ns) const {
    auto sockets = m_read(ns.via_pid == 0 ? -1 : ns.ns_fd.get());
    if (!sockets) return sockets.error();
    std::map<uint64_t, const char*> out;
    for (const auto& s : *sockets) {
        if (s.inode) out.emplace(s.inode, s.view());
    }
    return out;
}

void KernelViewAdder::emit(const json& record) {
    const uint64_t inode = record.value("inode", uint64_t{0});
    if (const char* view = m_kernel.view_of(record)) {
        json with = record;
        with["views"].push_back(view);
        m_out.emit(with);
        return;
    }
    const std::string protocol = record.value("protocol", "");
    if (m_kernel.listed() && inode && iterated_protocol(protocol)) {
        m_held.push_back(record);  // judged in settle(), after the re-check
        return;
    }
    m_out.emit(record);
}

void KernelViewAdder::settle(const NetnsView& ns, bool netlink_read, std::set<uint64_t>& seen) {
    const auto candidates = m_kernel.unseen(seen);
    std::vector<json> held = std::move(m_held);
    m_held.clear();
    if (candidates.empty() && held.empty()) return;
    // t0 first kernel read, t1 netlink and /proc reads, t2 the kernel again, t3 /proc again.
    // Listed at t0 and t2 but not at t1 or t3: the socket existed throughout and was hidden.
    // Listed at t1 and t3 but not at t2: it existed at t2 and the kernel's tables lacked it.
    auto again = m_kernel.read_again(ns);
    if (!again) {
        auto e = again.error();
        e.path = fmt::format("{} re-check ({})", e.path, ns.label());
        m_out.item_error(e);
        for (auto& r : held) m_out.emit(r);
        return;
    }
    const std::set<uint64_t> tables = table_inodes(ns);
    for (const KernelSocket* s : candidates) {
        if (!again->count(s->inode) || tables.count(s->inode)) {
            m_out.race();  // closed since the first read, or listed by /proc/net after all
            continue;
        }
        seen.insert(s->inode);  // listed now: not "held but in no table" as well
        m_out.emit(kernel_only_record(*s, netlink_read));
    }
    for (auto& r : held) {
        const uint64_t inode = r.value("inode", uint64_t{0});
        if (auto it = again->find(inode); it != again->end()) {
            r["views"].push_back(it->second);  // opened after the first kernel read
        } else if (tables.count(inode)) {
            add_discrepancy(r, fmt::format("missing from the kernel's socket table ({}) while "
                                           "/proc/net listed it before and after (re-checked)",
                                           iterator_of(r.value("protocol", ""))));
        } else {
            m_out.race();  // closed since the tables were read
        }
        m_out.emit(r);
    }
}

}  // namespace irsnap::collectors::network_linux
