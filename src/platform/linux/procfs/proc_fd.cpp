// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/proc_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include "irsnap/linux/text_table.hpp"

namespace irsnap::procfs {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<uint64_t> parse_socket_link(std::string_view target) {
    constexpr std::string_view k_prefix = "socket:[";
    if (target.size() <= k_prefix.size() + 1 || !starts_with(target, k_prefix) ||
        target.back() != ']') {
        return std::nullopt;
    }
    uint64_t inode = 0;
    if (!table::number_to(target.substr(k_prefix.size(), target.size() - k_prefix.size() - 1),
                          inode, 10)) {
        return std::nullopt;
    }
    return inode;
}

std::optional<FdInfo> parse_proc_pid_fdinfo(std::string_view text) {
    FdInfo info;
    bool have_pos = false, have_flags = false;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view key = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (key == "pos") {
            if (!table::number_to(value, info.pos, 10)) return std::nullopt;
            have_pos = true;
        } else if (key == "flags") {
            if (!table::number_to(value, info.flags, 8)) return std::nullopt;
            have_flags = true;
        } else if (key == "mnt_id") {
            if (!table::number_to(value, info.mnt_id, 10)) info.mnt_id = -1;
        }
    }
    if (!have_pos || !have_flags) return std::nullopt;
    return info;
}

FdKind classify_fd(std::string_view target, uint32_t mode, uint32_t nlink, bool has_stat) {
    FdKind kind;
    if (starts_with(target, "socket:[")) {
        kind.type = "socket";
    } else if (starts_with(target, "pipe:[")) {
        kind.type = "pipe";
    } else if (starts_with(target, "anon_inode:")) {
        kind.type = "anon_inode";
        std::string_view name = target.substr(11);
        if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
            name = name.substr(1, name.size() - 2);
        }
        kind.anon_kind = std::string(name);
    } else if (starts_with(target, "/memfd:")) {
        // memfds always read "/memfd:NAME (deleted)": they never had a name in any directory.
        kind.type = "memfd";
        kind.deleted = true;
    } else if (has_stat) {
        switch (mode & S_IFMT) {
            case S_IFREG:
                kind.type = "file";
                break;
            case S_IFDIR:
                kind.type = "directory";
                break;
            case S_IFIFO:
                kind.type = "fifo";
                break;
            case S_IFCHR:
                kind.type = "char_device";
                break;
            case S_IFBLK:
                kind.type = "block_device";
                break;
            case S_IFSOCK:
                kind.type = "socket";
                break;
            case S_IFLNK:
                kind.type = "symlink";
                break;
            default:
                kind.type = "unknown";
                break;
        }
        // The " (deleted)" suffix is only a hint (a file may be named so); st_nlink decides.
        if ((mode & S_IFMT) == S_IFREG) kind.deleted = nlink == 0;
    } else {
        kind.type = "unknown";
        kind.deleted = starts_with(target, "/") && ends_with(target, " (deleted)");
    }
    return kind;
}

std::string describe_open_flags(uint32_t flags) {
    std::string out;
    switch (flags & O_ACCMODE) {
        case O_RDONLY:
            out = "O_RDONLY";
            break;
        case O_WRONLY:
            out = "O_WRONLY";
            break;
        case O_RDWR:
            out = "O_RDWR";
            break;
        default:
            out = "O_ACCMODE";
            break;
    }
    // fdinfo shows the kernel's flag bits. These match glibc's on x86-64 and aarch64 except
    // O_LARGEFILE (0 in 64-bit userspace, set by the kernel on every 64-bit open) and the
    // __O_TMPFILE bit, so those two are spelled as the kernel's asm-generic values.
    constexpr uint32_t k_kernel_largefile = 0100000;
    constexpr uint32_t k_kernel_tmpfile = 020000000;
    static constexpr std::pair<uint32_t, const char*> k_flags[] = {
        {O_APPEND, "O_APPEND"},
        {O_CREAT, "O_CREAT"},
        {O_EXCL, "O_EXCL"},
        {O_TRUNC, "O_TRUNC"},
        {O_NONBLOCK, "O_NONBLOCK"},
        {O_SYNC, "O_SYNC"},
        {O_DIRECT, "O_DIRECT"},
        {O_DIRECTORY, "O_DIRECTORY"},
        {O_NOFOLLOW, "O_NOFOLLOW"},
        {O_NOATIME, "O_NOATIME"},
        {O_CLOEXEC, "O_CLOEXEC"},
        {O_PATH, "O_PATH"},
        {k_kernel_tmpfile, "O_TMPFILE"},
        {k_kernel_largefile, "O_LARGEFILE"},
    };
    for (const auto& [bit, name] : k_flags) {
        if (bit != 0 && (flags & bit) == bit) {
            out += '|';
            out += name;
        }
    }
    return out;
}

}  // namespace irsnap::procfs
