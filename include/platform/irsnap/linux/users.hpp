// SPDX-License-Identifier: Apache-2.0
// /etc/passwd and /etc/group read as text: NSS (getpwuid ...) would dlopen host libraries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/result.hpp"

namespace irsnap::users {

struct PasswdEntry {
    std::string name;
    int64_t uid = 0;
    int64_t gid = 0;
    std::string gecos, home, shell;
};
/// Malformed lines and NIS "+"/"-" lines are skipped.
std::vector<PasswdEntry> parse_etc_passwd(std::string_view text);

struct GroupEntry {
    std::string name;
    int64_t gid = 0;
    std::vector<std::string> members;
};
std::vector<GroupEntry> parse_etc_group(std::string_view text);

/// At most this much of /etc/passwd or /etc/group is read: a real one is a few KB even with
/// thousands of accounts, and a 1 GB file planted on the host must not cost more.
inline constexpr size_t k_max_account_file_bytes = 16u << 20;

/// uid/gid -> name maps from <host_root>/etc/{passwd,group}; the first entry for an id wins.
/// Names are the file's raw bytes: callers escape them (escape_bytes) as they put them in a
/// record.
class UserDb {
  public:
    /// A file that exists but was refused (FIFO, device), unreadable or cut at the cap adds an
    /// entry to `problems` (when given): the names it would have given are then unknown.
    static UserDb load(const std::filesystem::path& host_root,
                       std::vector<ItemError>* problems = nullptr);
    std::optional<std::string> user(int64_t uid) const;
    std::optional<std::string> group(int64_t gid) const;

  private:
    std::map<int64_t, std::string> m_users;
    std::map<int64_t, std::string> m_groups;
};

}  // namespace irsnap::users
