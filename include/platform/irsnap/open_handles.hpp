// SPDX-License-Identifier: Apache-2.0
// The run's one walk of every process's open descriptors (Linux /proc/*/fd, Windows handles).
// The walk is the dominant cost of a snapshot on a busy host, so it is made once, on first use,
// and shared: the network collector takes socket owners from it, the handles collector the rest.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>

#include <string_view>
#include <vector>
#include "irsnap/packed_handles.hpp"

#include "irsnap/hash.hpp"
#include "irsnap/host_view.hpp"

namespace irsnap {

/// The content digest of a deleted file or memfd, started during the walk through the
/// descriptor itself: nothing else reaches such a file, and a later re-open could find the
/// descriptor closed or its number reused.
struct HandleContent {
    /// Large files: hashing on the pool, resolved when the handles collector writes them.
    std::optional<std::shared_future<FileHash>> pending;
    /// Small files, hashed at once. Binary, not hex: a busy host has 10^4 deleted files open.
    std::optional<std::array<uint8_t, 32>> sha256;
    std::string note;  ///< why there is no digest ("" when there is one, or it is pending)

    /// Keeps what `hash` says, compactly.
    static HandleContent of(FileHash hash);
    std::string sha256_hex() const;
};

struct HandleSnapshot {
    /// Ordered by pid, then fd; packed, since it is most of a busy host's run memory.
    PackedHandles handles;
    std::vector<std::string> process_names;  ///< comm of each process that had descriptors
    std::deque<HandleContent> contents;      ///< see OpenHandle::content
    uint64_t processes = 0;                  ///< processes whose descriptors were listed
    uint64_t processes_from_kernel = 0;      ///< of them, read from iter/task_file's records
    uint64_t processes_denied = 0;           ///< fd lists we were not allowed to read
    uint64_t races = 0;                      ///< processes that exited during the walk
    bool complete = true;                    ///< false when the run was stopped mid-walk
    std::string taken_at;                    ///< RFC 3339 UTC, when the walk started
    std::string taken_by;                    ///< collector whose first use started the walk
    double seconds = 0;                      ///< how long the walk took
    /// Where the descriptors came from: "iter/task_file" (the kernel's tables through BPF, with
    /// /proc for what they cannot give) or "proc" (/proc/*/fd alone; "handles" on Windows).
    std::string view = "proc";
    /// Why the kernel's tables were not read, when they were wanted ("" otherwise).
    std::string kernel_view_note;
};

/// Walks every process's descriptors once (platform implementation), on up to four threads:
/// the cost is kernel time per descriptor, which spreads over cores. Privileges: root
/// (CAP_SYS_PTRACE) for other users' processes; without it they are counted as denied.
/// Races: a process or descriptor that vanishes mid-walk is skipped and counted.
/// `kernel_view` (Linux, a live /proc): read the kernel's descriptor tables through BPF first,
/// falling back to /proc when they cannot be read (docs/kernel-views.md).
HandleSnapshot walk_open_handles(const HostView& host, unsigned max_threads, bool kernel_view);

}  // namespace irsnap
