// SPDX-License-Identifier: Apache-2.0
// Reading an exported SQLite database in tests (unit and integration).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace irsnap::test {

/// A read-only connection; every query failure throws with SQLite's message and the SQL.
class SqliteReader {
  public:
    explicit SqliteReader(const std::filesystem::path& file) {
        if (sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            const std::string message = m_db ? sqlite3_errmsg(m_db) : "out of memory";
            sqlite3_close(m_db);
            throw std::runtime_error("cannot open " + file.string() + ": " + message);
        }
    }
    ~SqliteReader() { sqlite3_close(m_db); }
    SqliteReader(const SqliteReader&) = delete;
    SqliteReader& operator=(const SqliteReader&) = delete;

    /// Every row, every cell as text ("NULL" for SQL NULL).
    std::vector<std::vector<std::string>> rows(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string(sqlite3_errmsg(m_db)) + " in: " + sql);
        }
        std::vector<std::vector<std::string>> out;
        int rc = 0;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                const auto* text = sqlite3_column_text(stmt, i);
                row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE) throw std::runtime_error(std::string(sqlite3_errmsg(m_db)));
        return out;
    }
    /// The first cell of the first row ("" when there is no row).
    std::string one(const std::string& sql) {
        const auto all = rows(sql);
        return all.empty() || all.front().empty() ? std::string() : all.front().front();
    }
    int64_t count(const std::string& sql) { return std::stoll(one(sql)); }

  private:
    sqlite3* m_db = nullptr;
};

}  // namespace irsnap::test
