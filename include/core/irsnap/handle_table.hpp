// SPDX-License-Identifier: Apache-2.0
// The run's one walk of open handles, taken on first use and shared by every collector.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "irsnap/collector.hpp"
#include "irsnap/open_handles.hpp"

namespace irsnap {

/// Lazily taken, shared snapshot: every copy of a Context shares one table.
class HandleTable {
  public:
    /// The snapshot, walking on the first call. `who` names the caller for the manifest.
    const HandleSnapshot& get(const Context& ctx, const std::string& who);
    /// The collectors of this run that read the walk (the runner says so before the first).
    void expect(std::set<std::string> users);
    /// `who` is done with the snapshot; the last expected user frees it (on a busy host it is
    /// most of the run's memory). With no users expected, the first release frees it.
    void release(const std::string& who);

  private:
    std::once_flag m_once;
    std::mutex m_mutex;
    std::set<std::string> m_users;
    std::optional<HandleSnapshot> m_snapshot;
};

}  // namespace irsnap
