// SPDX-License-Identifier: Apache-2.0
#include "socket_owners.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "fd_util.hpp"
#include "procfs.hpp"

namespace irsnap::procfs {
namespace {

bool all_digits(const char* s) {
    return *s && std::strspn(s, "0123456789") == std::strlen(s);
}

template <typename Fn>
void for_each_numeric_entry(int dirfd, Fn&& fn) {
    DIR* dir = fdopendir(::dup(dirfd));  // closedir() must not close the caller's fd
    if (!dir) return;
    while (dirent* e = readdir(dir)) {
        if (all_digits(e->d_name)) fn(e->d_name);
    }
    closedir(dir);
}

}  // namespace

std::optional<uint64_t> parse_socket_link(std::string_view target) {
    constexpr std::string_view k_prefix = "socket:[";
    if (target.size() <= k_prefix.size() + 1 || target.substr(0, k_prefix.size()) != k_prefix ||
        target.back() != ']') {
        return std::nullopt;
    }
    std::string_view digits = target.substr(k_prefix.size(), target.size() - k_prefix.size() - 1);
    uint64_t inode = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return inode;
}

SocketOwners walk_socket_owners(const Context& ctx) {
    SocketOwners owners;
    auto proc = posix::open_dir_at(AT_FDCWD, ctx.proc_root.string());
    if (!proc) return owners;
    for_each_numeric_entry(proc->get(), [&](const char* pid_text) {
        if (ctx.should_stop()) return;
        // One directory fd per process: a recycled pid cannot mix two processes' fds.
        auto pid_dir = posix::open_dir_at(proc->get(), pid_text);
        if (!pid_dir) {
            ++owners.races;
            return;
        }
        auto fd_dir = posix::open_dir_at(pid_dir->get(), "fd");
        if (!fd_dir) {
            if (posix::is_denied_errno(fd_dir.error().code)) {
                ++owners.processes_denied;
            } else {
                ++owners.races;
            }
            return;
        }
        std::string name;
        bool denied = false;
        for_each_numeric_entry(fd_dir->get(), [&](const char* fd_text) {
            auto target = posix::read_link_at(fd_dir->get(), fd_text);
            if (!target) {
                // Listing may be allowed while reading the links is not (LSM, ptrace rules).
                denied = denied || posix::is_denied_errno(target.error().code);
                return;
            }
            auto inode = parse_socket_link(*target);
            if (!inode) return;
            if (name.empty()) {  // comm only for processes that hold a socket
                auto stat = posix::read_file_at(pid_dir->get(), "stat");
                auto parsed = stat ? parse_proc_pid_stat(*stat) : std::nullopt;
                name = parsed ? parsed->comm : "?";
            }
            owners.by_inode[*inode].push_back(
                {std::strtoll(pid_text, nullptr, 10), std::strtoll(fd_text, nullptr, 10), name});
        });
        if (denied) ++owners.processes_denied;
    });
    return owners;
}

}  // namespace irsnap::procfs
