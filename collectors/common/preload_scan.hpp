// SPDX-License-Identifier: Apache-2.0
// Reading a preloaded library's exports for the functions it hooks (Linux: the autoruns
// collector for /etc/ld.so.preload, the processes collector for LD_PRELOAD).
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/hash_cache.hpp"

namespace irsnap::collectors {

/// What one library's dynamic symbol table says.
struct PreloadScan {
    bool read = false;                    ///< its dynamic symbols were read (whole or in part)
    std::vector<std::string> hooks;       ///< listed libc functions it exports (preload_hooks.hpp)
    std::vector<std::string> techniques;  ///< their techniques
    std::string note;  ///< why the exports were not read, or were read only in part; "" when whole
};

/// Largest library read: bigger ones are noted, not read (libc is about 2 MiB).
inline constexpr size_t k_max_preload_library_bytes = size_t{64} << 20;
/// Distinct libraries remembered per run; more are still read, just not remembered.
inline constexpr size_t k_max_preload_cache = 1024;

/// Reads each distinct library (device, inode, size, mtime) once per run. Thread-safe; one read
/// at a time, so at most one library's bytes are held however many workers ask.
class PreloadScanCache {
  public:
    /// `path` relative to `dirfd` (AT_FDCWD allowed), symlinks followed: opened read-only,
    /// non-blocking, O_NOATIME where allowed, a regular file only (a FIFO or device planted
    /// there is refused before it is opened).
    PreloadScan scan_at(int dirfd, const std::string& path);

  private:
    std::mutex m_mutex;
    std::map<FileKey, PreloadScan> m_done;
};

/// Sets `prefix` + "hooks", "techniques" and "hooks_note" of a record from the scans of the
/// libraries it names (each with the library's name, which prefixes its note when there are
/// several): hooks and techniques merged; null when none was read; the note null when every
/// one was read whole. All null when `scans` is empty.
void put_preload_hooks(nlohmann::json& record, const std::string& prefix,
                       const std::vector<std::pair<std::string, PreloadScan>>& scans);

}  // namespace irsnap::collectors
