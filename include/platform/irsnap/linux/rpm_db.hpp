// SPDX-License-Identifier: Apache-2.0
// The rpm package database read directly, never through rpm: rpmdb.sqlite (rpm >= 4.16: Fedora
// 33+, RHEL 9+), opened immutable and read-only so that nothing is written beside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "irsnap/linux/rpm_header.hpp"
#include "irsnap/result.hpp"

namespace irsnap::rpm {

/// Calls `fn(hnum, header)` for every package of the Packages table, in hnum order. A blob that
/// fails to parse goes to `bad(hnum, error)` and iteration goes on. Returns the number of
/// packages read (parsed or not), or an ItemError when the database cannot be opened or read at
/// all: missing, not a regular file, not SQLite, corrupt, no Packages table. A read that fails
/// part way is an error too, after `fn` has seen the packages before it.
Result<uint64_t> for_each_rpmdb_sqlite_package(
    const std::filesystem::path& db, const std::function<void(int64_t, const RpmHeader&)>& fn,
    const std::function<void(int64_t, const ItemError&)>& bad);

/// One package by hnum (to load a package's file digests lazily).
Result<RpmHeader> read_rpmdb_sqlite_package(const std::filesystem::path& db, int64_t hnum);

/// What kind of rpm database is under `rpm_dir` (<root>/var/lib/rpm, <root>/usr/lib/sysimage/rpm):
/// "sqlite" (rpmdb.sqlite), "bdb" (Packages: Berkeley DB, RHEL 7/8; not read, callers record
/// coverage "rpm Berkeley DB not supported"), "ndb" (Packages.db, SUSE; not read either), or ""
/// when there is none. rpmdb.sqlite wins when several are present: rpm >= 4.16 reads it.
std::string rpmdb_kind(const std::filesystem::path& rpm_dir);

}  // namespace irsnap::rpm
