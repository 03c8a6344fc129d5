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

/// uid/gid -> name maps from <host_root>/etc/{passwd,group}; the first entry for an id wins.
class UserDb {
  public:
    static UserDb load(const std::filesystem::path& host_root);
    std::optional<std::string> user(int64_t uid) const;
    std::optional<std::string> group(int64_t gid) const;

  private:
    std::map<int64_t, std::string> m_users;
    std::map<int64_t, std::string> m_groups;
};

}  // namespace irsnap::users
