// SPDX-License-Identifier: Apache-2.0
// The Windows build has no SQLite: Debian ships no mingw-w64 SQLite, and the export runs on
// the analyst's machine, where the Linux build is. `export --format sqlite` says so plainly;
// jsonl and timesketch work on both.
#include "irsnap/export.hpp"
#include "irsnap/usage_error.hpp"

namespace irsnap::exports {

struct SqliteExport::Impl {};

SqliteExport::SqliteExport(const std::filesystem::path& /*file*/, SqliteOptions /*options*/) {
    throw UsageError(
        "--format sqlite is not in the Windows build: export with the Linux build, or use "
        "--format jsonl or timesketch");
}

SqliteExport::~SqliteExport() = default;

BundleExport SqliteExport::add(const std::filesystem::path& /*bundle*/) {
    return {};
}

void SqliteExport::finish() {}

}  // namespace irsnap::exports
