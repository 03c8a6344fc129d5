// SPDX-License-Identifier: Apache-2.0
// `irsnap extract`: the copied content (specimens, files, process memory) out of a bundle's
// encrypted archives, each member re-hashed against the record that lists it; anything that
// differs is refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace irsnap {

/// What a record says a member must hold.
struct ExpectedMember {
    std::string collector;      ///< samples | files | memory
    std::string archive;        ///< "artifacts/11_samples.zip"
    std::string member;         ///< the member's name in the archive
    std::string member_sha256;  ///< memory records: their `sha256` (of the member's bytes)
    std::string sha256;         ///< the content's digest on the host (specimens), "" when unknown
};

struct ExtractedMember {
    std::string archive, member;
    std::string written;  ///< path written, relative to the output directory; "" when refused
    std::string problem;  ///< why refused ("" when written)
    uint64_t bytes = 0;
};

struct ExtractResult {
    std::string error;  ///< the bundle could not be read or verified; nothing was written
    std::vector<ExtractedMember> members;
    size_t refused() const;
};

/// Members of the bundle's archives listed by its samples, files and memory records, written
/// below `into` (specimens/<sha256>, files/<member>, memory/<member>) read-only and never over
/// an existing file. Memory members may be stored or deflated (libarchive reads both).
/// `wanted` (empty = all) selects by the content's or the member's SHA-256. The bundle must
/// verify first; a member that is missing from its archive, not listed by a record or whose
/// bytes hash differently is refused and nothing of it is left behind.
ExtractResult extract_bundle(const std::filesystem::path& bundle_dir,
                             const std::set<std::string>& wanted,
                             const std::filesystem::path& into);

/// Where a member goes below the output directory: "specimens/<sha256>", "files/<member>" or
/// "memory/<member>", with every component checked (no "..", no empty or hidden tricks; a memory
/// member is one name of [A-Za-z0-9._-], no leading dot, at most 255 bytes); "" when unsafe.
/// Pure.
std::string extract_target(const ExpectedMember& member);

}  // namespace irsnap
