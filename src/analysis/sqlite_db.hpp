// SPDX-License-Identifier: Apache-2.0
// A thin RAII layer over the SQLite C API for the exporter: every failure becomes an
// ExportError naming what was being done and SQLite's own message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace irsnap::exports::detail {

class SqliteDb;

/// A prepared statement. Text and JSON values are copied into the statement (bound
/// transient), so the caller's strings may go away before step().
class Statement {
  public:
    Statement() = default;
    Statement(SqliteDb& db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_null(int index);
    /// A JSON value by its own type: null, 0/1, integer, real, text; arrays and objects as
    /// compact JSON text.
    Statement& bind_json(int index, const nlohmann::json& value);
    /// Runs it; true when it produced a row (read it with column_int64), false when done.
    bool step();
    /// Runs it to the end and resets it (bindings are cleared) for the next row.
    void run();
    int64_t column_int64(int index);
    void reset();

  private:
    SqliteDb* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
};

class SqliteDb {
  public:
    /// Opens (creating) `file` read-write, never following a symlink.
    explicit SqliteDb(const std::filesystem::path& file);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    void exec(std::string_view sql);
    int64_t last_insert_rowid() const;
    void close();
    /// Throws ExportError("<what>: <sqlite message>") when rc is not OK/ROW/DONE.
    void check(int rc, std::string_view what) const;
    sqlite3* handle() { return m_db; }

  private:
    sqlite3* m_db = nullptr;
    std::string m_file;
};

/// "name" with inner quotes doubled: any text is then a valid SQL identifier.
std::string sql_identifier(std::string_view identifier);

}  // namespace irsnap::exports::detail
