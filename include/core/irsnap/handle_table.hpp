// SPDX-License-Identifier: Apache-2.0
// The run's one walk of open handles, taken on first use and shared by every collector.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "irsnap/collector.hpp"
#include "irsnap/open_handles.hpp"

namespace irsnap {

/// Lazily taken, shared snapshot: every copy of a Context shares one table.
class HandleTable {
  public:
    /// The snapshot, walking on the first call. `who` names the caller for the manifest.
    const HandleSnapshot& get(const Context& ctx, const std::string& who);
    /// Frees the snapshot (its last user is done): on a busy host it is most of the run's
    /// memory, and the collectors after handles never read it.
    void release();

  private:
    std::once_flag m_once;
    std::optional<HandleSnapshot> m_snapshot;
};

}  // namespace irsnap
