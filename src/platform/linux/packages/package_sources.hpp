// SPDX-License-Identifier: Apache-2.0
// The parts of the package index: one Source per package manager, the owner table they fill,
// and the path normalisation both sides of a lookup share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "irsnap/package_index.hpp"

namespace irsnap::packages {

/// 64-bit FNV-1a of a normalised path: the owner table keeps keys, not paths (a few bytes a
/// path instead of a string), and every match is confirmed against the package's own path
/// before a digest is compared.
uint64_t path_key(std::string_view path);

/// The usr-merge aliases of a root (/bin -> usr/bin, /lib -> usr/lib ...): the kernel reports
/// /usr/bin/bash for a process started as /bin/bash while dpkg lists /bin/bash. Both sides of a
/// lookup are mapped to the /usr form.
class PathNormalizer {
  public:
    /// Reads which of bin, sbin, lib, lib32, lib64, libx32 are links to usr/<same> under the
    /// root open at `root_fd`.
    static PathNormalizer detect(int root_fd);
    /// For tests: the given top-level names are merged.
    explicit PathNormalizer(std::vector<std::string> merged = {}) : m_merged(std::move(merged)) {}
    std::string normalize(std::string_view path) const;
    /// The same into `out` (reused: the index normalises every path a database lists).
    void normalize_into(std::string_view path, std::string& out) const;
    const std::vector<std::string>& merged() const { return m_merged; }

  private:
    std::vector<std::string> m_merged;
};

/// A digest a package records for one of its files.
struct RecordedDigest {
    std::string path;  ///< normalised, as the package lists it (confirms a key match)
    std::string hex;
    std::string algorithm;  ///< md5, sha1, sha256 ...
    bool config = false;    ///< a configuration file (dpkg conffile, rpm %config)
};
using DigestTable = std::unordered_map<uint64_t, RecordedDigest>;

struct PackageRef {
    std::string name;
    std::string version;
    uint16_t source = 0;  ///< index into the sources
    uint32_t local = 0;   ///< the source's own number for it
};

/// An owner entry: the file at the path with key `key` belongs to `package`. `diverted`: dpkg
/// moved it there from the path the package lists (see Source::listed_path).
struct Owner {
    uint64_t key = 0;
    uint32_t package = 0;
    uint32_t diverted = 0;
    bool operator<(const Owner& o) const { return key < o.key; }
};

/// Most owner entries the index holds (16 bytes each: 64 MB). Debian with everything installed
/// lists about 1.5 million paths; beyond this a database is hostile or broken, and the rest is
/// left out with a note.
inline constexpr size_t k_max_owner_entries = 4'000'000;

/// What sources add to while the index is built.
struct OwnerTable {
    std::vector<PackageRef> packages;
    std::vector<Owner> owners;
    uint64_t paths = 0;
    bool cut = false;  ///< k_max_owner_entries reached: later paths were not indexed
    /// Adds an owner entry unless the table is full.
    void add(uint64_t key, uint32_t package, uint32_t diverted) {
        if (owners.size() >= k_max_owner_entries) {
            cut = true;
            return;
        }
        owners.push_back({key, package, diverted});
        ++paths;
    }
};

/// One package manager's database.
class Source {
  public:
    virtual ~Source() = default;
    virtual std::string_view manager() const = 0;
    /// The digests package `local` records, keyed by path_key of the normalised listed path.
    /// Read when a file of the package is first checked; problems go to `note`.
    virtual DigestTable digests(uint32_t local, std::string& note) const = 0;
    /// The path package files at `path` were listed under when dpkg diverted them to `path`.
    virtual std::string listed_path(const std::string& path) const { return path; }
};

/// Each reads its database under the root and adds its packages and paths to `table` as
/// package source number `source`; nullptr when the host has no such database. Notes say what
/// could not be read.
std::unique_ptr<Source> read_dpkg(int root_fd, const PathNormalizer& norm, uint16_t source,
                                  OwnerTable& table, std::vector<std::string>& notes);
std::unique_ptr<Source> read_rpm(int root_fd, const PathNormalizer& norm, uint16_t source,
                                 OwnerTable& table, std::vector<std::string>& notes);
std::unique_ptr<Source> read_apk(int root_fd, const PathNormalizer& norm, uint16_t source,
                                 OwnerTable& table, std::vector<std::string>& notes);

}  // namespace irsnap::packages
