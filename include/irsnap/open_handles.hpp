// SPDX-License-Identifier: Apache-2.0
// The run's one walk of every process's open descriptors (Linux /proc/*/fd, Windows handles).
// The walk is the dominant cost of a snapshot on a busy host, so it is made once, on first use,
// and shared: the network collector takes socket owners from it, the handles collector the rest.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/hash.hpp"
#include "irsnap/string_arena.hpp"

namespace irsnap {

struct Context;

/// One open descriptor as the walk saw it. Compact on purpose: a busy host has 10^5 of them.
struct OpenHandle {
    int32_t pid = 0;
    int32_t fd = 0;
    uint32_t process = 0;     ///< index into HandleSnapshot::process_names
    uint32_t mode = 0;        ///< st_mode of the open file; 0 when not stat'ed (see has_stat)
    std::string_view target;  ///< the link text as the kernel shows it (raw bytes), in
                              ///< HandleSnapshot::text
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    uint64_t position = 0;
    uint32_t nlink = 0;
    uint32_t flags = 0;     ///< open flags from fdinfo (O_*), valid when has_fdinfo
    int32_t mnt_id = -1;    ///< mount id from fdinfo, -1 when unknown
    bool has_stat = false;  ///< only path targets are stat'ed: sockets, pipes and anon inodes
                            ///< are fully named by their link text
    bool has_fdinfo = false;
    int32_t content = -1;  ///< deleted files and memfds: index into HandleSnapshot::contents
};

/// The content digest of a deleted file or memfd, started during the walk through the
/// descriptor itself: nothing else reaches such a file, and a later re-open could find the
/// descriptor closed or its number reused.
struct HandleContent {
    std::optional<std::shared_future<FileHash>> pending;  ///< large files, on the hash pool
    FileHash done;  ///< small files (hashed at once) and reasons for no hash
};

struct HandleSnapshot {
    /// Ordered by pid, then fd. A deque, not a vector: a busy host has 10^5 descriptors and a
    /// growing vector would briefly hold two or three copies of them.
    std::deque<OpenHandle> handles;
    std::vector<std::string> process_names;  ///< comm of each process that had descriptors
    std::deque<HandleContent> contents;      ///< see OpenHandle::content
    std::vector<StringArena> text;           ///< holds every OpenHandle::target
    uint64_t processes = 0;                  ///< processes whose descriptors were listed
    uint64_t processes_denied = 0;           ///< fd lists we were not allowed to read
    uint64_t races = 0;                      ///< processes that exited during the walk
    bool complete = true;                    ///< false when the run was stopped mid-walk
    std::string taken_at;                    ///< RFC 3339 UTC, when the walk started
    std::string taken_by;                    ///< collector whose first use started the walk
    double seconds = 0;                      ///< how long the walk took
};

/// Walks every process's descriptors once (platform implementation), on up to four threads:
/// the cost is kernel time per descriptor, which spreads over cores. Privileges: root
/// (CAP_SYS_PTRACE) for other users' processes; without it they are counted as denied.
/// Races: a process or descriptor that vanishes mid-walk is skipped and counted.
HandleSnapshot walk_open_handles(const Context& ctx);

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
