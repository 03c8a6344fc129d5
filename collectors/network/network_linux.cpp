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

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/open_handles.hpp"
#include "network.hpp"
#include "network_linux.hpp"
#include "irsnap/linux/netns.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/linux/procfs.hpp"

namespace irsnap::collectors {
namespace {

using namespace network_linux;
using nlohmann::json;

/// Holds records until their owners are known; errors, races and notes pass straight through.
/// Records wait serialised: a parsed JSON object costs about 2.5 KB per socket, its text ~300 B.
class OwnerlessBuffer final : public RecordSink {
  public:
    explicit OwnerlessBuffer(RecordSink& out) : m_out(out) {}
    void emit(const json& record) override { records.push_back(record.dump()); }
    void item_error(ItemError error) override { m_out.item_error(std::move(error)); }
    void race() override { m_out.race(); }
    void coverage(std::string note) override { m_out.coverage(std::move(note)); }
    std::deque<std::string> records;

  private:
    RecordSink& m_out;
};

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
                            : Result<std::string>(ItemError{});
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
    const bool live = ctx.proc_root == "/proc";
    if (!live) sink.coverage("netlink view not read: the proc root is not the live /proc");
    OwnerlessBuffer buffer(sink);
    std::set<uint64_t> seen;
    auto namespaces = network_namespaces(ctx, buffer);
    uint64_t netlink_denied = 0;
    for (const auto& ns : namespaces) {
        if (ctx.should_stop()) break;
        const bool netlink = live && can_enter(ns);
        if (live && !netlink) ++netlink_denied;
        emit_inet_sockets(ctx, ns, netlink, seen, buffer);
        emit_local_sockets(ns, seen, buffer);
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
    if (snapshot.processes_denied) {
        sink.coverage(fmt::format(
            "fd list denied for {} process(es): their sockets have no owner{}",
            snapshot.processes_denied, geteuid() == 0 ? "" : " (run as root for full coverage)"));
    }
    while (!buffer.records.empty()) {
        json r = json::parse(buffer.records.front());
        buffer.records.pop_front();
        put_owners(r, owners, r.value("inode", uint64_t{0}));
        null_missing_fields(r, network_spec(), "linux");  // a packet socket has no address ...
        sink.emit(r);
    }
    if (!ctx.should_stop() && snapshot.complete) {
        report_unlisted(ctx, namespaces, seen, owners, sink);
    }
}

}  // namespace irsnap::collectors
