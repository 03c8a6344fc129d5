// SPDX-License-Identifier: Apache-2.0
// Is this file the one its package shipped? The host's package databases (dpkg, rpm, apk), read
// directly, joined with the digests irsnap computes anyway (docs/package-trust.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/hash.hpp"
#include "irsnap/host_view.hpp"

namespace irsnap {

/// What the package database says about one file.
struct PackageVerdict {
    /// verified (the file's digest equals the package's), modified (differs), config (a
    /// configuration file its administrator may change, and did), unowned (no package lists the
    /// path), unknown (no database, the file was not hashed, or no digest is recorded).
    std::string verdict = "unknown";
    std::string package;  ///< owning package's name (dpkg multi-arch: name:arch)
    std::string version;
    std::string manager;         ///< dpkg | rpm | apk
    std::string algorithm;       ///< md5 | sha1 | sha256 ...: the digest the package records
    std::string package_digest;  ///< hex, as the package recorded it
    std::string file_digest;     ///< hex, the file's, same algorithm
    std::string note;            ///< why unknown, or what else matters (diverted, deleted ...)
};

/// What the index read: for the `system` collector's host record.
struct PackageIndexSummary {
    std::string distribution;           ///< os-release PRETTY_NAME (or NAME VERSION_ID)
    std::vector<std::string> managers;  ///< dpkg, rpm, apk: databases found and read
    uint64_t packages = 0;
    uint64_t paths = 0;  ///< paths indexed (files, links, directories the packages list)
    double seconds = 0;  ///< time to build the index
    std::vector<std::string> notes;  ///< coverage: what could not be read, and why
};

/// Where only packages install programs and libraries: /usr/bin, /usr/sbin, /bin, /sbin,
/// /usr/lib*, /lib* (not /usr/local). An unowned executable there is suspect.
bool in_system_directory(std::string_view path);

/// The package databases that a file digest can be compared with, found under `host_root`
/// without reading them: the PackageDigest mask the run's hashing must add (dpkg: MD5, apk:
/// SHA-1; rpm records SHA-256 on every current distribution).
unsigned package_digests_needed(const std::filesystem::path& host_root);

/// Every path the host's package databases list, with its owner; digests are read per package
/// when a file of that package is first checked. Thread-safe for check().
class PackageIndex {
  public:
    /// Reads the databases under `host.host_root` (never runs a package tool). Never throws for
    /// bad input: what cannot be read becomes summary notes and `unknown` verdicts.
    static std::unique_ptr<PackageIndex> build(const HostView& host);
    virtual ~PackageIndex() = default;

    /// The verdict for the file at `path` (as the kernel reports it: /proc/PID/exe, maps)
    /// whose content hashed to `digests` (sha256 and the PackageDigest extras).
    virtual PackageVerdict check(std::string_view path, const FileHash& digests) const = 0;
    virtual const PackageIndexSummary& summary() const = 0;
};

}  // namespace irsnap
