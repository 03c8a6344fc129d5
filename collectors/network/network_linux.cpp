// SPDX-License-Identifier: Apache-2.0
// Linux sockets of every network namespace, with their owning processes. Socket tables are read
// first (they change fastest); owners come from the run's one descriptor walk afterwards. A
// socket a process holds that no table lists is re-checked, then reported as a discrepancy.
#include <dirent.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/json_line.hpp"
#include "irsnap/linux/netns.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/open_handles.hpp"
#include "network.hpp"
#include "network_linux.hpp"

namespace irsnap::collectors {
namespace {

using namespace network_linux;
using nlohmann::json;

/// Holds records until their owners are known; errors, races and notes pass straight through.
/// Records wait rendered (a parsed JSON object costs about 2.5 KB per socket, its text ~300 B)
/// without the two members put_owners() still sets, "owners" and "escaped_fields": their text
/// remembers where those two sort in, so flush() splices them in and every member is rendered
/// once, never parsed back. The line is what nlohmann::json::dump() gives for the whole record.
class OwnerlessBuffer final : public RecordSink {
  public:
    explicit OwnerlessBuffer(RecordSink& out) : m_out(out) {
        // null_missing_fields() without a copy of each record: the declared Linux fields.
        for (const auto& f : network_spec().fields) {
            if (f.name == "escaped_fields" || f.name == "owners") continue;
            if (f.platforms.empty() ||
                std::find(f.platforms.begin(), f.platforms.end(), "linux") != f.platforms.end()) {
                m_declared.push_back(f.name);
            }
        }
    }
    void emit(const json& record) override;
    void emit_line(std::string_view) override {
        throw std::logic_error("OwnerlessBuffer takes records as trees: owners are added later");
    }
    void item_error(ItemError error) override { m_out.item_error(std::move(error)); }
    void race() override { m_out.race(); }
    void coverage(std::string note) override { m_out.coverage(std::move(note)); }
    /// Emits every held record, oldest first, with its owners and every declared field.
    void flush(const SocketOwners& owners);

  private:
    struct Held {
        uint64_t inode = 0;
        std::string members;      ///< `,"key":value` for each member but the late two, in order
        uint32_t escaped_at = 0;  ///< where "escaped_fields" sorts into `members`
        uint32_t owners_at = 0;   ///< where "owners" sorts into `members`
        json escaped;             ///< the record's own escaped_fields, null when none
    };
    static void append_member(std::string& out, std::string_view key, const json* value) {
        out.push_back(',');
        append_json_string(out, key);
        out.push_back(':');
        out += value ? value->dump(-1, ' ', false, json::error_handler_t::replace) : "null";
    }

    RecordSink& m_out;
    std::vector<std::string> m_declared;
    std::deque<Held> m_held;
};

void OwnerlessBuffer::emit(const json& record) {
    // The record's members and a null for each declared field it lacks, in nlohmann's key order.
    std::vector<std::pair<std::string_view, const json*>> members;
    for (auto it = record.begin(); it != record.end(); ++it) {
        if (it.key() != "owners" && it.key() != "escaped_fields") {
            members.emplace_back(it.key(), &it.value());
        }
    }
    for (const auto& name : m_declared) {
        if (!record.contains(name)) members.emplace_back(name, nullptr);
    }
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    Held h;
    h.inode = record.value("inode", uint64_t{0});
    if (auto e = record.find("escaped_fields"); e != record.end()) h.escaped = *e;
    bool escaped_placed = false, owners_placed = false;
    for (const auto& [key, value] : members) {
        if (!escaped_placed && key > "escaped_fields") {
            h.escaped_at = static_cast<uint32_t>(h.members.size());
            escaped_placed = true;
        }
        if (!owners_placed && key > "owners") {
            h.owners_at = static_cast<uint32_t>(h.members.size());
            owners_placed = true;
        }
        append_member(h.members, key, value);
    }
    if (!escaped_placed) h.escaped_at = static_cast<uint32_t>(h.members.size());
    if (!owners_placed) h.owners_at = static_cast<uint32_t>(h.members.size());
    m_held.push_back(std::move(h));
}

void OwnerlessBuffer::flush(const SocketOwners& owners) {
    std::string line;
    while (!m_held.empty()) {
        Held& h = m_held.front();
        json late = json::object();
        if (!h.escaped.is_null()) late["escaped_fields"] = std::move(h.escaped);
        put_owners(late, owners, h.inode);
        const std::string_view members = h.members;
        line.assign("{");
        line.append(members.substr(0, h.escaped_at));
        if (auto e = late.find("escaped_fields"); e != late.end()) {
            append_member(line, "escaped_fields", &*e);
        }
        line.append(members.substr(h.escaped_at, h.owners_at - h.escaped_at));
        append_member(line, "owners", &late["owners"]);
        line.append(members.substr(h.owners_at));
        line.erase(1, 1);  // the first member's comma
        line.push_back('}');
        m_out.emit_line(line);
        m_held.pop_front();
    }
}

SocketOwners socket_owners(const HandleSnapshot& snapshot) {
    SocketOwners owners;
    for (const auto& h : snapshot.handles) {
        if (auto inode = procfs::parse_socket_link(h.target)) {
            owners[*inode].push_back({h.pid, h.fd, &snapshot.process_names[h.process]});
        }
    }
    return owners;
}

std::optional<uint64_t> netns_of(int dirfd, const std::string& link) {
    auto target = posix::read_link_at(dirfd, link);
    return target ? procfs::parse_proc_pid_ns_link(*target) : std::nullopt;
}

std::vector<std::string> pid_entries(int proc_fd) {
    std::vector<std::string> out;
    DIR* dir = fdopendir(::dup(proc_fd));
    if (!dir) return out;
    while (dirent* e = readdir(dir)) {
        if (*e->d_name && std::strspn(e->d_name, "0123456789") == std::strlen(e->d_name)) {
            out.emplace_back(e->d_name);
        }
    }
    closedir(dir);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    return out;
}

/// Sockets held by a process that no table listed: read every table again (the socket may be
/// newer than the first read) and look again at the descriptor (it may have been closed).
void report_unlisted(const Context& ctx, const std::vector<NetnsView>& namespaces,
                     const std::set<uint64_t>& seen, const SocketOwners& owners, RecordSink& sink) {
    std::set<uint64_t> candidates;
    for (const auto& [inode, holders] : owners) {
        if (!seen.count(inode)) candidates.insert(inode);
    }
    if (candidates.empty()) return;
    std::set<uint64_t> again;
    for (const auto& ns : namespaces) again.merge(table_inodes(ns));
    auto proc = posix::open_dir_at(AT_FDCWD, ctx.proc_root.string());
    for (uint64_t inode : candidates) {
        if (again.count(inode)) {
            sink.race();  // opened between the first read and the walk
            continue;
        }
        const auto& holders = owners.at(inode);
        bool still_held = false;
        for (const auto& o : holders) {
            auto now = proc ? posix::read_link_at(proc->get(), fmt::format("{}/fd/{}", o.pid, o.fd))
                            : Result<std::string>(
                                  ItemError::without_code("open", ctx.proc_root.string(), ""));
            still_held = still_held || (now && procfs::parse_socket_link(*now) == inode);
        }
        if (!still_held) {
            sink.race();  // closed since the walk
            continue;
        }
        json r = {{"protocol", "unknown"},
                  {"inode", inode},
                  {"views", json::array()},
                  {"cross_view_discrepancy", true},
                  {"discrepancy",
                   "held by a process but in no socket table (tcp, udp, udplite, raw, unix, "
                   "packet, netlink) of the namespaces read: hidden, or a family irsnap does "
                   "not list (vsock, AF_ALG, bluetooth ...)"}};
        put_owners(r, owners, inode);
        null_missing_fields(r, network_spec(), "linux");  // only its inode is known
        sink.emit(r);
    }
}

/// Whether a netlink socket can be made inside the namespace (entering another one needs root).
bool can_enter(const NetnsView& ns) {
    if (ns.via_pid == 0) return true;
    if (!ns.ns_fd) return false;
    return netns::socket_in(ns.ns_fd.get(), AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG).ok();
}

}  // namespace

namespace network_linux {

std::vector<NetnsView> network_namespaces(const Context& ctx, RecordSink& sink) {
    std::vector<NetnsView> out;
    auto proc = posix::open_dir_at(AT_FDCWD, ctx.proc_root.string());
    if (!proc) {
        auto e = proc.error();
        e.path = ctx.proc_root.string();
        sink.item_error(e);
        return out;
    }
    NetnsView own;
    own.inode = netns_of(proc->get(), "self/ns/net").value_or(0);
    own.proc_dir = posix::UniqueFd(::dup(proc->get()));
    std::set<uint64_t> known{own.inode};
    out.push_back(std::move(own));
    uint64_t denied = 0;
    for (const auto& pid : pid_entries(proc->get())) {
        if (ctx.should_stop()) break;
        auto dir = posix::open_dir_at(proc->get(), pid);
        if (!dir) continue;  // exited
        auto target = posix::read_link_at(dir->get(), "ns/net");
        if (!target) {
            if (posix::is_denied_errno(target.error().code)) ++denied;
            continue;
        }
        auto inode = procfs::parse_proc_pid_ns_link(*target);
        if (!inode || known.count(*inode)) continue;
        known.insert(*inode);
        NetnsView ns;
        ns.inode = *inode;
        ns.via_pid = static_cast<int32_t>(std::stol(pid));
        ns.proc_dir = std::move(*dir);
        // An nsfs handle, never read: O_NONBLOCK|O_NOCTTY so a strange proc root cannot block.
        int fd =
            ::openat(ns.proc_dir.get(), "ns/net", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd >= 0) ns.ns_fd = posix::UniqueFd(fd);
        out.push_back(std::move(ns));
    }
    if (denied) {
        sink.coverage(
            fmt::format("network namespace of {} process(es) not readable{}: sockets "
                        "of namespaces only they live in are missing",
                        denied, geteuid() == 0 ? "" : " (run as root)"));
    }
    return out;
}

}  // namespace network_linux

void collect_network(const Context& ctx, RecordSink& sink) {
    // Netlink always answers for the live kernel, so it is only a second view of a live /proc.
    const bool live = ctx.live_proc();
    if (!live) {
        sink.coverage(
            "netlink view not read, nor the kernel socket tables (iter/tcp, iter/udp, "
            "iter/unix): the proc root is not the live /proc");
    }
    OwnerlessBuffer buffer(sink);
    std::set<uint64_t> seen;
    auto namespaces = network_namespaces(ctx, buffer);
    KernelSocketView kernel(ctx, sink);  // loaded once; unloaded when the collector returns
    KernelViewAdder with_kernel_views(kernel, buffer);
    uint64_t netlink_denied = 0;
    bool netlink_read = false;
    for (const auto& ns : namespaces) {
        if (ctx.should_stop()) break;
        const bool netlink = live && can_enter(ns);
        if (live && !netlink) ++netlink_denied;
        netlink_read = netlink_read || netlink;
        // The kernel's tables first: a socket they list before and after the other views were
        // read existed while those were read.
        const bool kernel_read = netlink && kernel.read(ns, buffer);
        emit_inet_sockets(ctx, ns, netlink, seen, with_kernel_views);
        emit_local_sockets(ns, seen, with_kernel_views);
        if (kernel_read) with_kernel_views.settle(ns, netlink, seen);
    }
    sink.view("proc");
    if (netlink_read) sink.view("netlink");
    if (kernel.read_any()) {
        for (const char* view : {"iter/tcp", "iter/udp", "iter/unix"}) sink.view(view);
    }
    if (netlink_denied) {
        sink.coverage(
            fmt::format("{} network namespace(s) read through /proc only (entering "
                        "them for netlink needs root)",
                        netlink_denied));
    }
    // Owners last: every socket listed above exists by now, and its holders most likely still.
    const auto& snapshot = ctx.open_handles("network");
    const auto owners = socket_owners(snapshot);
    sink.view(snapshot.view == "proc" ? "proc/fd" : snapshot.view);  // where the owners came from
    if (snapshot.processes_denied) {
        sink.coverage(fmt::format(
            "fd list denied for {} process(es): their sockets have no owner{}",
            snapshot.processes_denied, geteuid() == 0 ? "" : " (run as root for full coverage)"));
    }
    buffer.flush(owners);  // with every declared field: a packet socket has no address ...
    if (!ctx.should_stop() && snapshot.complete) {
        report_unlisted(ctx, namespaces, seen, owners, sink);
    }
    ctx.release_open_handles("network");
}

}  // namespace irsnap::collectors
