// SPDX-License-Identifier: Apache-2.0
// Reading one process's descriptors through /proc/PID/fd (the walk's unit), and the pieces the
// kernel-list path (bpf_iter/handles_iter.cpp) shares with it: the content hash of a deleted
// file or memfd, taken through the descriptor itself.
#pragma once

#include <sys/stat.h>

#include <cstdint>

#include "irsnap/open_handles.hpp"

namespace irsnap {

class HashCache;

namespace fd_walk {

/// Starts hashing a deleted file or memfd through /proc/PID/fd/N (`name` under `fd_dir`) right
/// after it was seen, if the descriptor still refers to that file (h.device, h.inode).
HandleContent hash_content(HashCache& hashes, int fd_dir, const char* name, const OpenHandle& h);

/// A stop request (Ctrl-C, the deadline) seen from a walking thread. HostView::should_stop() is
/// not thread-safe (it remembers that it said so), so the walks read the cancel flag and the
/// deadline directly.
bool stop_requested(const HostView& host);

/// What stat() said of the open file, into the record (has_stat set).
void put_stat(OpenHandle& h, const struct stat& st);

/// Why a deleted file or memfd has no digest when its descriptor could not be stat'ed (errno).
HandleContent unreachable_content(int err);

/// Appends one process's descriptors to a snapshot.
class Walker {
  public:
    Walker(HandleSnapshot& out, HashCache* hashes) : m_out(out), m_hashes(hashes) {}

    /// Lists /proc/PID/fd under `proc_dir`; a process gone or denied is counted, not an error.
    void walk_process(int proc_dir, int32_t pid);
    /// Records `content` for `h` (a deleted file or memfd).
    void add_content(OpenHandle& h, HandleContent content);

  private:
    HandleSnapshot& m_out;
    HashCache* m_hashes;
};

}  // namespace fd_walk
}  // namespace irsnap
