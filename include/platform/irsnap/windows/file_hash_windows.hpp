// SPDX-License-Identifier: Apache-2.0
// Hashing a file named by a Win32 path through the run's shared HashCache: opened read-only and
// fully shared (a running image or a loaded driver is still readable), only regular files.
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>

#include "irsnap/hash.hpp"

namespace irsnap {
class HashCache;
}

namespace irsnap::win {

struct FileHashRequest {
    std::optional<std::shared_future<FileHash>> pending;  ///< the digest, when submitted
    std::optional<uint64_t> size;                         ///< file size, when opened
    std::string note;     ///< why nothing was submitted ("" when pending is set)
    bool denied = false;  ///< the open was refused (for the collector's coverage counts)
};

/// Opens `path` and submits it to `hashes` (null: hashing is off, said in the note).
FileHashRequest submit_file_hash(HashCache* hashes, const std::wstring& path);

}  // namespace irsnap::win
