// SPDX-License-Identifier: Apache-2.0
// The window's clocks, the socket views per local endpoint, and the names of processes and
// owners of sockets (activity_linux.hpp).
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <string_view>

#include "activity_linux.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/linux/procfs.hpp"

namespace irsnap::collectors::activity {
namespace {

int64_t clock_ns(clockid_t id) {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

constexpr size_t k_max_names = 65536;
constexpr size_t k_max_owned = 262144;

}  // namespace

WindowClock WindowClock::sample() {
    WindowClock c;
    c.offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    return c;
}

Stamp WindowClock::now() const {
    return from_monotonic(clock_ns(CLOCK_MONOTONIC));
}

namespace {
const char* const k_view_names[] = {"bpf", "proc", "sock_diag"};
}  // namespace

void EndpointViews::add(uint64_t netns, const std::string& protocol, uint16_t port,
                        const std::string& view) {
    uint8_t bit = 0;
    for (size_t i = 0; i < std::size(k_view_names); ++i) {
        if (view == k_view_names[i]) bit = static_cast<uint8_t>(1u << i);
    }
    m_views[{netns, protocol.empty() ? '?' : protocol[0], port}] |= bit;
}

std::vector<std::string> EndpointViews::views(uint64_t netns, const std::string& protocol,
                                              uint16_t port) const {
    uint8_t bits = 0;
    for (uint64_t ns : {netns, uint64_t{0}}) {
        auto it = m_views.find({ns, protocol.empty() ? '?' : protocol[0], port});
        if (it != m_views.end()) bits |= it->second;
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < std::size(k_view_names); ++i) {
        if (bits & (1u << i)) out.emplace_back(k_view_names[i]);
    }
    return out;
}

Owners::Owners(const Context& ctx) : m_ctx(ctx) {
    if (auto proc = posix::open_dir_at(AT_FDCWD, ctx.proc_root.string())) m_proc = std::move(*proc);
}

void Owners::named(int64_t pid, std::string process, std::string exe) {
    if (m_names.size() >= k_max_names && !m_names.count(pid)) return;
    auto& n = m_names[pid];
    if (!process.empty()) n.process = std::move(process);
    if (!exe.empty()) n.exe = std::move(exe);
}

const Owners::Name& Owners::name(int64_t pid) {
    auto it = m_names.find(pid);
    if (it != m_names.end() && (it->second.read || !it->second.exe.empty())) return it->second;
    static const Name k_none;
    if (it == m_names.end()) {
        if (m_names.size() >= k_max_names) return k_none;
        it = m_names.emplace(pid, Name{}).first;
    }
    // Once per pid: what the events did not say is read from /proc while the process lives.
    Name& n = it->second;
    n.read = true;
    if (!m_proc) return n;
    auto dir = posix::open_dir_at(m_proc.get(), std::to_string(pid));
    if (!dir) return n;
    if (n.process.empty()) {
        if (auto comm = posix::read_file_at(dir->get(), "comm", 256)) {
            n.process = *comm;
            if (!n.process.empty() && n.process.back() == '\n') n.process.pop_back();
        }
    }
    if (n.exe.empty()) {
        if (auto exe = posix::read_link_at(dir->get(), "exe")) n.exe = *exe;
    }
    return n;
}

void Owners::own_tcp(const Endpoints& ends, int64_t pid) {
    if (m_tcp.size() < k_max_owned || m_tcp.count(ends)) m_tcp[ends] = pid;
}

std::optional<int64_t> Owners::tcp_owner(const Endpoints& ends) const {
    auto it = m_tcp.find(ends);
    if (it == m_tcp.end()) return std::nullopt;
    return it->second;
}

void Owners::own_udp(uint16_t local_port, int64_t pid) {
    m_udp[local_port] = pid;
}

std::optional<int64_t> Owners::udp_owner(uint16_t local_port) const {
    auto it = m_udp.find(local_port);
    if (it == m_udp.end()) return std::nullopt;
    return it->second;
}

std::optional<int64_t> Owners::inode_owner(uint64_t inode) {
    if (inode == 0) return std::nullopt;
    auto it = m_inodes.find(inode);
    if (it != m_inodes.end()) return it->second;
    const int64_t now = clock_ns(CLOCK_MONOTONIC);
    // A walk reads every descriptor on the host: at most once a second, and only for an inode
    // the last walk did not already miss.
    if (!m_unresolved.count(inode) && now - m_last_walk_ns >= 1'000'000'000) {
        m_last_walk_ns = now;
        walk_descriptors();
        it = m_inodes.find(inode);
        if (it != m_inodes.end()) return it->second;
    }
    if (m_unresolved.size() < k_max_owned) m_unresolved.insert(inode);
    return std::nullopt;
}

void Owners::walk_descriptors() {
    if (!m_proc) return;
    m_unresolved.clear();
    const int64_t self = ::getpid();
    for (int32_t pid : posix::numeric_entries(m_proc.get())) {
        if (m_ctx.should_stop()) break;
        if (pid == self) continue;
        auto fds = posix::open_dir_at(m_proc.get(), std::to_string(pid) + "/fd");
        if (!fds) continue;
        for (int32_t fd : posix::numeric_entries(fds->get())) {
            auto link = posix::read_link_at(fds->get(), std::to_string(fd));
            if (!link) continue;
            if (auto inode = procfs::parse_socket_link(*link)) {
                if (m_inodes.size() < k_max_owned) m_inodes.emplace(*inode, pid);
            }
        }
    }
}

}  // namespace irsnap::collectors::activity
