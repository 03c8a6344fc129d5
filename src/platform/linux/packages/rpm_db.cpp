// SPDX-License-Identifier: Apache-2.0
// rpmdb.sqlite through SQLite's C API. Forensic rule: the host's database is evidence, so it is
// opened with ?immutable=1 and SQLITE_OPEN_READONLY: SQLite then takes no lock and creates no
// -wal, -shm or -journal file. The price: immutable ignores a WAL that rpm has not checkpointed
// (rpm checkpoints when it closes the database; a transaction cut short by a crash, or one in
// progress while we read, is not seen) and skips hot-journal recovery.
#include "irsnap/linux/rpm_db.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace irsnap::rpm {
namespace {

/// An SQLite URI for `path`: the characters a URI gives a meaning to are escaped, and an
/// absolute path gets an empty authority so that "//x" is not read as a host name.
std::string sqlite_uri(const std::filesystem::path& path) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string uri = path.is_absolute() ? "file://" : "file:";
    for (const char c : path.native()) {
        if (c == '%' || c == '?' || c == '#') {
            uri += '%';
            uri += k_hex[(c >> 4) & 15];
            uri += k_hex[c & 15];
        } else {
            uri += c;
        }
    }
    return uri + "?immutable=1";
}

class Connection {
  public:
    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() {
        if (m_stmt != nullptr) sqlite3_finalize(m_stmt);
        if (m_db != nullptr) sqlite3_close_v2(m_db);
    }
    sqlite3_stmt* stmt() const { return m_stmt; }

    /// Opens `path` and checks that it holds a Packages table; an error names why not.
    std::optional<ItemError> open(const std::filesystem::path& path) {
        m_path = path.string();
        struct stat st {};
        // A FIFO or device planted in the database's place would block or never end a read.
        if (::stat(path.c_str(), &st) != 0) return ItemError::from_errno("open", errno, m_path);
        if (!S_ISREG(st.st_mode)) {
            return ItemError::without_code("open", m_path, "not a regular file");
        }
        const int rc =
            sqlite3_open_v2(sqlite_uri(path).c_str(), &m_db,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) return error("open");
        // The file is untrusted: a view or trigger in its schema may call only innocuous SQL
        // functions, and the defensive flag turns off what could write to or corrupt it.
        sqlite3_db_config(m_db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
        sqlite3_db_config(m_db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
        // Any temporary table stays in memory, never in the host's /var/tmp.
        sqlite3_exec(m_db, "PRAGMA temp_store = MEMORY", nullptr, nullptr, nullptr);
        // Reading the schema is also where "file is not a database" shows.
        if (auto err = prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                               "name = 'Packages'")) {
            return err;
        }
        const int step = sqlite3_step(m_stmt);
        if (step == SQLITE_DONE) {
            return ItemError::without_code("read", m_path, "no Packages table");
        }
        if (step != SQLITE_ROW) return error("read");
        return std::nullopt;
    }

    std::optional<ItemError> prepare(const char* sql) {
        if (m_stmt != nullptr) sqlite3_finalize(m_stmt);
        m_stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql, -1, &m_stmt, nullptr) != SQLITE_OK) return error("read");
        return std::nullopt;
    }

    ItemError error(std::string_view stage) const {
        return ItemError::without_code(stage, m_path,
                                       m_db != nullptr ? sqlite3_errmsg(m_db) : "out of memory");
    }
    const std::string& path() const { return m_path; }

  private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_path;
};

/// The blob of the current row, parsed; a package error names the database and hnum.
Result<RpmHeader> parse_row(sqlite3_stmt* stmt, const std::string& path, int64_t hnum) {
    const auto where = [&](const ItemError& e) {
        ItemError out = e.at(path);
        out.message = "package hnum " + std::to_string(hnum) + ": " + out.message;
        return out;
    };
    if (sqlite3_column_type(stmt, 1) != SQLITE_BLOB) {
        return where(ItemError::without_code("parse", path, "blob is not a BLOB"));
    }
    const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, 1));
    const int size = sqlite3_column_bytes(stmt, 1);
    auto header = parse_rpm_header(std::span<const uint8_t>(bytes, size > 0 ? size : 0));
    if (!header) return where(header.error());
    return header;
}

}  // namespace

Result<uint64_t> for_each_rpmdb_sqlite_package(
    const std::filesystem::path& db, const std::function<void(int64_t, const RpmHeader&)>& fn,
    const std::function<void(int64_t, const ItemError&)>& bad) {
    Connection c;
    if (auto err = c.open(db)) return *err;
    if (auto err = c.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")) return *err;
    uint64_t count = 0;
    int rc = 0;
    while ((rc = sqlite3_step(c.stmt())) == SQLITE_ROW) {
        ++count;
        const int64_t hnum = sqlite3_column_int64(c.stmt(), 0);
        auto header = parse_row(c.stmt(), c.path(), hnum);
        if (header) {
            fn(hnum, *header);
        } else {
            bad(hnum, header.error());
        }
    }
    if (rc != SQLITE_DONE) {
        ItemError err = c.error("read");
        err.message = "read stopped after " + std::to_string(count) + " packages: " + err.message;
        return err;
    }
    return count;
}

Result<RpmHeader> read_rpmdb_sqlite_package(const std::filesystem::path& db, int64_t hnum) {
    Connection c;
    if (auto err = c.open(db)) return *err;
    if (auto err = c.prepare("SELECT hnum, blob FROM Packages WHERE hnum = ?1")) return *err;
    sqlite3_bind_int64(c.stmt(), 1, hnum);
    const int rc = sqlite3_step(c.stmt());
    if (rc == SQLITE_DONE) {
        return ItemError::without_code("read", c.path(), "no package hnum " + std::to_string(hnum));
    }
    if (rc != SQLITE_ROW) return c.error("read");
    return parse_row(c.stmt(), c.path(), hnum);
}

std::string rpmdb_kind(const std::filesystem::path& rpm_dir) {
    std::error_code ec;
    for (const auto& [file, kind] :
         {std::pair{"rpmdb.sqlite", "sqlite"}, std::pair{"Packages.db", "ndb"},
          std::pair{"Packages", "bdb"}}) {
        if (std::filesystem::is_regular_file(rpm_dir / file, ec)) return kind;
    }
    return "";
}

}  // namespace irsnap::rpm
