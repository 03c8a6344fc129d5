// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/unique_fd.hpp"

namespace irsnap {

/// The largest manifest.json (and manifest.json.sha256, custody.jsonl) the analyst side keeps in
/// memory, for directory and tar bundles alike. irsnap writes a few hundred KiB at most; a
/// crafted bundle must not make verify or triage hold a gigabyte.
constexpr uint64_t k_max_manifest_bytes = 16ull << 20;

/// A file of a bundle opened for reading: `fd` is set and `error` empty, or the reverse.
struct BundleFile {
    UniqueFd fd;
    uint64_t size = 0;
    std::string error;    ///< one line: "not a regular file (a FIFO)", "a symbolic link ..."
    int errno_value = 0;  ///< the open's errno (ENOENT ...), 0 when refused by type
};

// Every file of a bundle under analysis is opened through these, relative to a directory
// descriptor and never through a symlink: a bundle may have been edited by an attacker, who
// can plant a symlink to /etc (read outside the bundle) or a FIFO (a read that never ends).
// Only the path the analyst typed is resolved normally: that choice is theirs.

/// The directory the analyst named (symlinks in `path` are followed, as the shell would).
UniqueFd open_directory(const std::filesystem::path& path, std::string& error);

/// The directory `rel` ('/'-separated, no `..`) below `dir_fd`; each component with
/// O_DIRECTORY|O_NOFOLLOW, so a symlinked `artifacts` is refused rather than followed.
UniqueFd open_bundle_dir(int dir_fd, std::string_view rel, std::string& error);

/// The regular file `rel` below `dir_fd`, with O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC (`flags` adds the
/// access mode, e.g. O_RDWR|O_APPEND). fstat after opening: anything but a regular file (FIFO,
/// socket, device, directory) is refused with a clear `error`.
BundleFile open_bundle_file(int dir_fd, std::string_view rel, int flags = 0);

/// A file the analyst named on the command line (a tar bundle): O_NONBLOCK, regular files only.
BundleFile open_input_file(const std::filesystem::path& path);

/// The whole of a small file named on the command line (an identity or recipients file),
/// through open_input_file: a FIFO or a file larger than `max_bytes` is an `error`, not a wait
/// or a gigabyte read.
std::string read_input_text(const std::filesystem::path& path, uint64_t max_bytes,
                            std::string& error);

/// ".tar.age" (a sealed bundle) or ".tar" when `file_name` ends so, else "": what a bundle
/// file's name carries after the bundle's own name.
std::string_view tar_bundle_suffix(std::string_view file_name);

/// The whole of a small bundle file, refusing one larger than `max_bytes` (an `error` that says
/// how large it is) without reading it.
std::string read_bundle_text(int dir_fd, std::string_view rel, uint64_t max_bytes,
                             std::string& error);

enum class EntryType { regular, directory, symlink, other };
struct DirEntry {
    std::string name;
    EntryType type = EntryType::other;  ///< the entry itself, never a symlink's target
};

/// Most entries list_directory returns: a bundle directory holds a few dozen, a fleet directory
/// some thousands; ten million empty files planted in `artifacts/` must not cost gigabytes.
inline constexpr size_t k_max_dir_entries = 100000;

/// The entries of an open directory except `.` and `..`, read through the descriptor, at most
/// `max_entries` (then `error` says the rest was not listed).
/// (Per-OS: src/platform/linux/files/dir_list.cpp, src/platform/windows/dir_list_windows.cpp.)
std::vector<DirEntry> list_directory(int dir_fd, std::string& error,
                                     size_t max_entries = k_max_dir_entries);

/// What a path the analyst gave to verify, unpack, triage, stack, export or custody is.
/// `sealed`: an age file (a bundle sealed with --recipient: sealed_input.hpp reads it).
enum class BundleKind { directory, tar, sealed, not_a_bundle };
struct BundleProbe {
    BundleKind kind = BundleKind::not_a_bundle;
    std::string error;  ///< why it is not a bundle, one line (does not start with the path)
};

/// A directory is a bundle when it holds `manifest.json` or `artifacts` (of any type: a planted
/// FIFO or symlink is then a verify problem, not a reason to walk elsewhere); a regular file
/// when its first block is a ustar header. Anything else (/etc, a text file, a FIFO) is not,
/// and the commands say so in one line with exit code 2 instead of walking it.
BundleProbe probe_bundle(const std::filesystem::path& path);

/// The same test on an open directory (a fleet directory's entries).
bool is_bundle_directory(int dir_fd);

}  // namespace irsnap
