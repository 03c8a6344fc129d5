// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/collector.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap::collectors {

/// Verbatim copies of the small text files an analyst reads offline: what autoruns parsed,
/// shell histories, identity and access configuration, and the tails of logs.
const CollectorSpec& files_spec();

/// Platform-independent part (files.cpp) over the per-OS file access below.
void collect_files(const Context& ctx, RecordSink& sink);

/// One line of the declarative table (`irsnap describe files`).
struct FileRule {
    std::string os;        ///< linux | windows
    std::string pattern;   ///< below the root, '/'-separated; `~` = each home, `*` `?` in a
                           ///< component, `**` = any depth of directories (at most 6)
    std::string category;  ///< persistence | activity | identity | log
    bool tail = false;     ///< keep the last --max-log-bytes instead of refusing a large file
    std::string why;
};
const std::vector<FileRule>& file_rules();

/// `*` and `?` over one path component (no '/'), case-sensitive; pure.
bool glob_match(std::string_view pattern, std::string_view name);

/// A host path as an archive member: ASCII printable bytes kept, anything else and '%' as %XX,
/// so any name round-trips and every reader shows the same name; pure.
std::string member_name_for(std::string_view relative_path);

// ---- per OS (files_linux.cpp / files_windows.cpp)

/// The directory patterns are relative to: --root on Linux, the system drive on Windows.
std::string files_root(const Context& ctx);
/// Each user's home directory relative to that root ("root", "home/alice"; "Users/alice").
std::vector<std::string> home_directories(const Context& ctx, int root_fd);

struct OpenedHostFile {
    UniqueFd fd;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    std::string error;  ///< empty when fd is set
    bool denied = false;
    bool not_regular = false;  ///< a FIFO, device, socket or link: never opened for reading
};
/// Opens the regular file `name` in the directory `dir_fd` without following a symlink and
/// without blocking on a FIFO or opening a device (O_NOATIME where allowed).
OpenedHostFile open_host_file(int dir_fd, const std::string& name);

}  // namespace irsnap::collectors
