// SPDX-License-Identifier: Apache-2.0
#include "sqlite_db.hpp"

#include <sqlite3.h>

#include <limits>

#include <nlohmann/json.hpp>

#include "irsnap/export.hpp"

namespace irsnap::exports::detail {

std::string sql_identifier(std::string_view identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        out += c;
        if (c == '"') out += '"';
    }
    out += '"';
    return out;
}

SqliteDb::SqliteDb(const std::filesystem::path& file) : m_file(file.string()) {
    const int rc =
        sqlite3_open_v2(m_file.c_str(), &m_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw ExportError("cannot open " + m_file + ": " + message);
    }
    sqlite3_extended_result_codes(m_db, 1);
}

SqliteDb::~SqliteDb() {
    if (m_db != nullptr) sqlite3_close_v2(m_db);
}

void SqliteDb::check(int rc, std::string_view what) const {
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
    throw ExportError(m_file + ": " + std::string(what) + ": " +
                      (m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc)));
}

void SqliteDb::exec(std::string_view sql) {
    const std::string text(sql);
    check(sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, nullptr), text.substr(0, 60));
}

int64_t SqliteDb::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(m_db);
}

void SqliteDb::close() {
    if (m_db == nullptr) return;
    const int rc = sqlite3_close(m_db);  // not _v2: an open statement is our bug, say so
    if (rc != SQLITE_OK) check(rc, "close");
    m_db = nullptr;
}

Statement::Statement(SqliteDb& db, std::string_view sql) : m_db(&db) {
    db.check(sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr),
             "prepare " + std::string(sql.substr(0, 60)));
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) {
    other.m_stmt = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_db = other.m_db;
        m_stmt = other.m_stmt;
        other.m_stmt = nullptr;
    }
    return *this;
}

Statement& Statement::bind(int index, int64_t value) {
    m_db->check(sqlite3_bind_int64(m_stmt, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    m_db->check(
        sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    m_db->check(sqlite3_bind_null(m_stmt, index), "bind");
    return *this;
}

Statement& Statement::bind_json(int index, const nlohmann::json& value) {
    using T = nlohmann::json::value_t;
    switch (value.type()) {
        case T::null:
        case T::discarded:
            return bind_null(index);
        case T::boolean:
            return bind(index, int64_t{value.get<bool>() ? 1 : 0});
        case T::number_integer:
            return bind(index, value.get<int64_t>());
        case T::number_unsigned: {
            const uint64_t u = value.get<uint64_t>();
            if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
                return bind(index, static_cast<int64_t>(u));
            }
            // Beyond SQLite's 64-bit signed integers: the exact digits as text, which a JSON
            // column keeps (an INTEGER column turns them into a REAL; SQLite has nothing wider).
            return bind(index, std::to_string(u));
        }
        case T::number_float:
            m_db->check(sqlite3_bind_double(m_stmt, index, value.get<double>()), "bind");
            return *this;
        case T::string:
            return bind(index, value.get_ref<const std::string&>());
        default:
            return bind(index,
                        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    m_db->check(rc, "step");
    return rc == SQLITE_ROW;
}

void Statement::run() {
    const int rc = sqlite3_step(m_stmt);
    // Reset after check() has read SQLite's message, also when it throws.
    struct Reset {
        sqlite3_stmt* stmt;
        ~Reset() {
            sqlite3_reset(stmt);
            sqlite3_clear_bindings(stmt);
        }
    } reset{m_stmt};
    m_db->check(rc, "insert");
}

int64_t Statement::column_int64(int index) {
    return sqlite3_column_int64(m_stmt, index);
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

}  // namespace irsnap::exports::detail
