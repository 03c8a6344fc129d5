// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/users.hpp"

#include <fcntl.h>
#include <cerrno>
#include <charconv>

#include "irsnap/linux/fd_util.hpp"

namespace irsnap::users {
namespace {

std::vector<std::string_view> split(std::string_view line, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        size_t pos = line.find(sep, start);
        out.push_back(line.substr(start, pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

std::optional<int64_t> to_id(std::string_view text) {
    int64_t value = 0;
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

template <typename Fn>
void for_each_entry_line(std::string_view text, Fn&& fn) {
    for (auto line : split(text, '\n')) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        // Comments, blanks and NIS compat entries ("+", "-") carry no local id.
        if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
        fn(line);
    }
}

}  // namespace

std::vector<PasswdEntry> parse_etc_passwd(std::string_view text) {
    std::vector<PasswdEntry> out;
    for_each_entry_line(text, [&](std::string_view line) {
        auto f = split(line, ':');
        if (f.size() != 7 || f[0].empty()) return;
        auto uid = to_id(f[2]);
        auto gid = to_id(f[3]);
        if (!uid || !gid) return;
        out.push_back({std::string(f[0]), *uid, *gid, std::string(f[4]), std::string(f[5]),
                       std::string(f[6])});
    });
    return out;
}

std::vector<GroupEntry> parse_etc_group(std::string_view text) {
    std::vector<GroupEntry> out;
    for_each_entry_line(text, [&](std::string_view line) {
        auto f = split(line, ':');
        if (f.size() != 4 || f[0].empty()) return;
        auto gid = to_id(f[2]);
        if (!gid) return;
        GroupEntry g{std::string(f[0]), *gid, {}};
        if (!f[3].empty()) {
            for (auto m : split(f[3], ',')) {
                if (!m.empty()) g.members.emplace_back(m);
            }
        }
        out.push_back(std::move(g));
    });
    return out;
}

namespace {

/// The file's text through the shared opener (never blocks on a FIFO), or nullopt.
std::optional<std::string> read_account_file(const std::filesystem::path& path,
                                             std::vector<ItemError>* problems) {
    bool truncated = false;
    auto text = posix::read_file_at(AT_FDCWD, path.string(), k_max_account_file_bytes, &truncated);
    if (!text) {
        if (problems && text.error().code != ENOENT) {
            auto e = text.error();
            e.path = path.string();
            problems->push_back(std::move(e));
        }
        return std::nullopt;
    }
    if (truncated && problems) {
        problems->push_back(ItemError::from_errno("read", EFBIG, path.string(),
                                                  "larger than " +
                                                      std::to_string(k_max_account_file_bytes) +
                                                      " bytes: only the start was read"));
    }
    return std::move(*text);
}

}  // namespace

UserDb UserDb::load(const std::filesystem::path& host_root, std::vector<ItemError>* problems) {
    UserDb db;
    if (auto text = read_account_file(host_root / "etc/passwd", problems)) {
        for (auto& e : parse_etc_passwd(*text)) db.m_users.emplace(e.uid, e.name);
    }
    if (auto text = read_account_file(host_root / "etc/group", problems)) {
        for (auto& e : parse_etc_group(*text)) db.m_groups.emplace(e.gid, e.name);
    }
    return db;
}

std::optional<std::string> UserDb::user(int64_t uid) const {
    auto it = m_users.find(uid);
    if (it == m_users.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> UserDb::group(int64_t gid) const {
    auto it = m_groups.find(gid);
    if (it == m_groups.end()) return std::nullopt;
    return it->second;
}

}  // namespace irsnap::users
