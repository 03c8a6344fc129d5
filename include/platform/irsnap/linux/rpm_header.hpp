// SPDX-License-Identifier: Apache-2.0
// An rpm package header read as bytes, as the rpm database stores it: the installed package's
// name, version and files with the digests rpm recorded at install time. No librpm, no rpm run.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "irsnap/result.hpp"

namespace irsnap::rpm {

/// RPMTAG_FILEFLAGS bits (rpm's rpmfileAttrs).
inline constexpr uint32_t k_file_config = 1u << 0;  ///< %config
inline constexpr uint32_t k_file_doc = 1u << 1;     ///< %doc
inline constexpr uint32_t k_file_ghost = 1u << 6;   ///< %ghost: not in the payload
inline constexpr uint32_t k_file_license = 1u << 7;

struct RpmFile {
    std::string path;    ///< dirname + basename, as the package lists it (absolute)
    std::string digest;  ///< hex as stored in FILEDIGESTS; empty for dirs, symlinks, ghosts
    uint32_t flags = 0;  ///< RPMTAG_FILEFLAGS (k_file_config, k_file_ghost ...)
    uint16_t mode = 0;   ///< RPMTAG_FILEMODES: st_mode, type bits included
};

struct RpmHeader {
    std::string name, version, release, arch;  ///< arch is empty for gpg-pubkey entries
    std::optional<uint32_t> epoch;
    /// "md5" (tag absent: rpm's default), "sha1", "sha256", "sha384", "sha512", "sha224", or
    /// "unknown:N" for another PGP hash algorithm id.
    std::string digest_algorithm;
    std::vector<RpmFile> files;
};

/// `blob` is a header as stored in rpmdb.sqlite's Packages.blob (and in the BDB and ndb
/// backends): big-endian int32 index count, int32 data length, 16-byte index entries
/// {tag, type, offset, count}, then the data. Every entry is checked as rpm checks it (type,
/// alignment, offset and length within the data, strings NUL-terminated, counts bounded by the
/// data size) before anything is read: a lying header is an ItemError, never a read out of
/// bounds. Region tags (61-63) and tags not listed here are checked and otherwise skipped.
/// Pure: no I/O.
Result<RpmHeader> parse_rpm_header(std::span<const uint8_t> blob);

}  // namespace irsnap::rpm
