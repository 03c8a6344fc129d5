// SPDX-License-Identifier: Apache-2.0
// `irsnap export`: bundles into the formats other tools read. SQLite for ad-hoc SQL and stacking
// queries, merged JSON Lines for Elastic/Splunk, and Timesketch-ready JSONL for timelines.
// Every exporter reads bundles through read_bundle, so what an export holds is what triage and
// stack see, verification included. docs/analysis.md ("Export for other tools") is the user's
// side of this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/bundle_reader.hpp"
#include "irsnap/collector.hpp"

namespace irsnap::exports {

/// What one bundle contributed to an export.
struct BundleExport {
    BundleSummary summary;
    uint64_t records = 0;        ///< records exported (rows, jsonl lines); timesketch: records read
    uint64_t skipped_lines = 0;  ///< artifact lines that were not JSON objects (cut, corrupt)
    uint64_t events = 0;         ///< timesketch: events written
    uint64_t findings = 0;       ///< sqlite: triage findings stored
};

/// Buffered, checked writes to a descriptor (a file or stdout). A failed write throws
/// OutputError, so a full disk or a closed pipe ends the export instead of truncating it quietly.
class OutputStream {
  public:
    OutputStream(int fd, std::string name);
    ~OutputStream();  ///< flushes; errors there are lost, so call flush() first
    OutputStream(const OutputStream&) = delete;
    OutputStream& operator=(const OutputStream&) = delete;

    void write(std::string_view bytes);
    void flush();

  private:
    int m_fd;
    std::string m_name;
    std::string m_buffer;
};

// ---- JSON Lines ---------------------------------------------------------------------------

/// The key added to every record of a jsonl export. No collector field is named like it
/// (the unit tests check every registered spec), so a record's own fields are never shadowed.
inline constexpr std::string_view k_jsonl_key = "irsnap";

/// Writes every artifact record of `bundle`, one per line, each with an added object
/// `"irsnap": {"artifact", "bundle", "collected", "collector", "host", "line", "verified"}`.
/// Lines that are not JSON objects are skipped and counted.
BundleExport export_jsonl(const std::filesystem::path& bundle, OutputStream& out);

/// `record_text` (one JSON object) with `,"irsnap":{...}` inserted before its closing brace;
/// false when the text is not a JSON object. `irsnap_members` is the inner text of the object.
bool append_with_key(std::string& out, std::string_view record_text,
                     std::string_view irsnap_members);

// ---- Timesketch ---------------------------------------------------------------------------

/// Writes a bundle's timeline as Timesketch JSONL (`message`, `datetime`, `timestamp`,
/// `timestamp_desc`, plus `host`, `bundle`, `data_type` and event fields): process starts,
/// autorun file mtime and ctime, system boot, login sessions, collection start and end, and
/// custody events (manifest custody[] and custody.jsonl of a directory bundle).
BundleExport export_timesketch(const std::filesystem::path& bundle, OutputStream& out);

/// "2026-11-22T07:47:24.509808Z" -> "2026-11-22T07:47:24.509808+00:00" (the form Timesketch's
/// importer documents); "" when `rfc3339` is not a UTC time irsnap writes.
std::string timesketch_datetime(std::string_view rfc3339, int64_t* unix_us = nullptr);

// ---- bodyfile -----------------------------------------------------------------------------

/// Writes the timeline collector's records of `bundle` as a TSK 3.x bodyfile (`mactime -b`):
/// `0|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`, one line per record
/// (see bodyfile_line). `name_host`: each name starts with the bundle's host and ':', so the
/// timelines of several hosts stay apart in one file. `events` counts the lines written.
BundleExport export_bodyfile(const std::filesystem::path& bundle, OutputStream& out,
                             bool name_host = false);

/// One bodyfile line (newline included) for a timeline record; "" when it has no path. The
/// name is the record's path as the host gave it (escaped_fields undone), with " -> target"
/// for a symlink as `fls -m` writes it, after `name_prefix`. MD5 is 0; a missing inode, owner
/// or size is 0; times are whole Unix seconds, 0 when unknown; a record without a POSIX mode
/// (Windows) gets its type letter and "rwxrwxrwx", as TSK shows NTFS files.
std::string bodyfile_line(const nlohmann::json& record, std::string_view name_prefix = {});

/// A name made safe for one bodyfile column: '|', control characters (newline, tab ...), DEL
/// and bytes that are not UTF-8 become `\xHH`; a backslash is doubled only where it would
/// otherwise start an escape (before 'x' or another backslash), so Windows paths read as they
/// are. bodyfile_unescape() gives the bytes back.
std::string bodyfile_escape(std::string_view name);
std::string bodyfile_unescape(std::string_view text);

// ---- SQLite -------------------------------------------------------------------------------

/// One column of a collector's table.
struct SqlColumn {
    std::string name;
    std::string sql_type;  ///< TEXT, INTEGER, REAL; arrays and objects are JSON TEXT
    bool json = false;     ///< stored as JSON text (json_extract and json_each work on it)
};

/// A collector's table: the bookkeeping columns, then one column per spec field, then `extra`.
struct SqlTable {
    std::string name;  ///< the collector's name
    std::vector<SqlColumn> columns;
};

/// Columns every collector table starts with: where the row came from.
inline constexpr std::string_view k_sql_host_id = "host_id";
inline constexpr std::string_view k_sql_bundle_id = "bundle_id";
inline constexpr std::string_view k_sql_line = "artifact_line";
/// Last column: the record's fields its spec does not declare (a newer irsnap's), as a JSON
/// object; NULL when there are none.
inline constexpr std::string_view k_sql_extra = "extra";

/// SQL type for a spec type: string TEXT, integer and boolean INTEGER, number REAL, anything
/// else (string[], integer[], object, object[]) JSON TEXT.
SqlColumn sql_column(const FieldSpec& field);

/// The table for a collector spec. A spec field that would collide with a bookkeeping column
/// is left to `extra` (the unit tests check no registered spec has one).
SqlTable sql_table(const CollectorSpec& spec);

/// The table of a collector's records: the collector's name when it is plain snake_case
/// ([a-z][a-z0-9_]*) and neither a fixed table's name, nor starts with SQLite's reserved
/// `sqlite_` or with `artifact_`; otherwise `artifact_` followed by the name with every byte
/// outside [a-z0-9] written as `_hh` (lowercase hex). Deterministic and collision-free, also
/// for SQLite's case-insensitive names ("Processes" is `artifact__50rocesses`, never
/// `processes`). docs/analysis.md documents it.
std::string sql_table_name(std::string_view collector);

/// Tables that are not collectors' (export_info, hosts, bundles, collector_runs, custody,
/// findings).
const std::vector<std::string_view>& fixed_table_names();

/// An index for stacking queries: `table`(columns...).
struct SqlIndex {
    std::string_view table;
    std::vector<std::string_view> columns;
};
/// The stacking indexes, created once every bundle is in (faster than keeping them up to date).
const std::vector<SqlIndex>& stacking_indexes();

struct SqliteOptions {
    bool findings = true;  ///< run the triage rules per bundle into `findings`
    int recent_days = 7;   ///< triage --recent-days
};

/// A SQLite database being filled: one transaction per bundle, prepared statements. The file
/// must not exist or be empty (the CLI creates it exclusively). Throws ExportError on any SQLite
/// failure.
class SqliteExport {
  public:
    SqliteExport(const std::filesystem::path& file, SqliteOptions options);
    ~SqliteExport();
    SqliteExport(const SqliteExport&) = delete;
    SqliteExport& operator=(const SqliteExport&) = delete;

    /// Reads, verifies and stores one bundle. A bundle that cannot be read at all stores
    /// nothing and says why in summary.error.
    BundleExport add(const std::filesystem::path& bundle);
    /// Creates the indexes, runs ANALYZE and closes the database.
    void finish();

  private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// The export's destination failed (SQLite error, disk full ...).
class ExportError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace irsnap::exports
