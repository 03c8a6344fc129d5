// SPDX-License-Identifier: Apache-2.0
// The rpmdb.sqlite reader (platform/linux/rpm_db.hpp) over a database that Debian's own rpm
// writes during the test (a package built with rpmbuild and installed with --justdb into a
// --dbpath of the test's own), over databases made here with SQLite, and rpmdb_kind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/linux/rpm_db.hpp"
#include "irsnap/linux/rpm_header.hpp"
#include "irsnap/package_index.hpp"
#include "rpm_header_builder.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace fs = std::filesystem;
using irsnap::rpm::RpmHeader;
using irsnap::test::package;

namespace {

std::vector<uint8_t> read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

bool on_path(const std::string& tool) {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "";
    size_t start = 0;
    while (start <= dirs.size()) {
        const size_t end = std::min(dirs.find(':', start), dirs.size());
        const fs::path candidate = fs::path(dirs.substr(start, end - start)) / tool;
        if (::access(candidate.c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

/// Runs `argv` (no shell) with HOME pointed at `home`, so that no ~/.rpmmacros of the user's
/// takes part; stdout and stderr go to `log`. The exit status, or -1.
int run(const std::vector<std::string>& argv, const fs::path& home, const fs::path& log) {
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::string_view(*e).substr(0, 5) != "HOME=") env_text.emplace_back(*e);
    }
    env_text.push_back("HOME=" + home.string());
    std::vector<char*> envp, args;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& a : argv_copy) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// What a directory holds: every name with its size and mtime (ns), to prove a read wrote
/// nothing.
std::map<std::string, std::pair<uintmax_t, int64_t>> snapshot(const fs::path& dir) {
    std::map<std::string, std::pair<uintmax_t, int64_t>> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        struct stat st {};
        EXPECT_EQ(::lstat(entry.path().c_str(), &st), 0);
        out[entry.path().filename().string()] = {
            static_cast<uintmax_t>(st.st_size),
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
    }
    return out;
}

const std::string k_tool_content = "#!/bin/sh\necho irsnap fixture\n";
const std::string k_conf_content = "# irsnap fixture\nkey=value\n";

const char* const k_spec = R"(Name: irsnap-fixture
Epoch: 2
Version: 1.2.3
Release: 4
Summary: irsnap unit test fixture
License: Apache-2.0
BuildArch: noarch
Source0: irsnap-fixture-tool
Source1: irsnap-fixture.conf
%global debug_package %{nil}
%global __os_install_post %{nil}
%description
A package built by irsnap's unit tests, installed only into a database of their own.
%install
install -D -m 0755 %{SOURCE0} %{buildroot}/usr/bin/irsnap-fixture-tool
install -D -m 0644 %{SOURCE1} %{buildroot}/etc/irsnap-fixture.conf
mkdir -p %{buildroot}/usr/share/irsnap-fixture
%files
/usr/bin/irsnap-fixture-tool
%config(noreplace) /etc/irsnap-fixture.conf
%dir /usr/share/irsnap-fixture
%ghost /var/log/irsnap-fixture.log
)";

/// A database that Debian's rpm wrote: one package built and installed (--justdb) by the test.
class RpmDbTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!on_path("rpmbuild") || !on_path("rpm")) {
            GTEST_SKIP() << "rpmbuild not on PATH (Debian package rpm; scripts/install-deps.sh "
                            "--test installs it)";
        }
        const fs::path top = m_tmp.path() / "top";
        fs::create_directories(top / "SOURCES");
        fs::create_directories(m_tmp.path() / "home");
        fs::create_directories(db_dir());
        write_bytes(top / "SOURCES" / "irsnap-fixture-tool", k_tool_content);
        write_bytes(top / "SOURCES" / "irsnap-fixture.conf", k_conf_content);
        const fs::path spec = m_tmp.path() / "irsnap-fixture.spec";
        write_bytes(spec, k_spec);
        const fs::path log = m_tmp.path() / "rpm.log";
        ASSERT_EQ(run({"rpmbuild", "-bb", "--quiet", "--define", "_topdir " + top.string(),
                       "--define", "_tmppath " + (top / "tmp").string(), "--define",
                       "_binary_filedigest_algorithm 8", spec.string()},
                      m_tmp.path() / "home", log),
                  0)
            << irsnap::test::read_text_file(log);
        const fs::path package = top / "RPMS" / "noarch" / "irsnap-fixture-1.2.3-4.noarch.rpm";
        ASSERT_TRUE(fs::exists(package)) << irsnap::test::read_text_file(log);
        ASSERT_EQ(
            run({"rpm", "--dbpath", db_dir().string(), "--define", "_db_backend sqlite", "--justdb",
                 "--nodeps", "--noscripts", "--notriggers", "--ignoresize", "-i", package.string()},
                m_tmp.path() / "home", log),
            0)
            << irsnap::test::read_text_file(log);
        ASSERT_TRUE(fs::is_regular_file(db())) << irsnap::test::read_text_file(log);
    }

    fs::path db_dir() const { return m_tmp.path() / "db"; }
    fs::path db() const { return db_dir() / "rpmdb.sqlite"; }

    /// A copy of the database alone in a fresh directory (no -wal, -shm or lock of rpm's).
    fs::path lone_copy(const std::string& name) const {
        const fs::path dir = m_tmp.path() / name;
        fs::create_directories(dir);
        fs::copy_file(db(), dir / "rpmdb.sqlite");
        return dir / "rpmdb.sqlite";
    }

    irsnap::test::TempDir m_tmp{"irsnap-rpmdb"};
};

struct Read {
    std::vector<std::pair<int64_t, RpmHeader>> packages;
    std::vector<std::pair<int64_t, irsnap::ItemError>> bad;
    irsnap::Result<uint64_t> result = uint64_t{0};
};

Read read_all(const fs::path& db) {
    Read r;
    r.result = irsnap::rpm::for_each_rpmdb_sqlite_package(
        db, [&](int64_t hnum, const RpmHeader& h) { r.packages.emplace_back(hnum, h); },
        [&](int64_t hnum, const irsnap::ItemError& e) { r.bad.emplace_back(hnum, e); });
    return r;
}

}  // namespace

TEST_F(RpmDbTest, ReadsThePackageRpmInstalled) {
    const auto r = read_all(db());
    ASSERT_TRUE(r.result) << r.result.error().message;
    EXPECT_EQ(*r.result, 1u);
    EXPECT_TRUE(r.bad.empty());
    ASSERT_EQ(r.packages.size(), 1u);
    const auto& [hnum, h] = r.packages.front();
    EXPECT_EQ(h.name, "irsnap-fixture");
    EXPECT_EQ(h.version, "1.2.3");
    EXPECT_EQ(h.release, "4");
    EXPECT_EQ(h.arch, "noarch");
    EXPECT_EQ(h.epoch, 2u);
    EXPECT_EQ(h.digest_algorithm, "sha256");

    std::map<std::string, irsnap::rpm::RpmFile> files;
    for (const auto& f : h.files) files[f.path] = f;
    ASSERT_EQ(files.size(), 4u);
    const auto& tool = files["/usr/bin/irsnap-fixture-tool"];
    EXPECT_EQ(tool.digest, irsnap::sha256_hex(k_tool_content));
    EXPECT_EQ(tool.mode, 0100755);
    EXPECT_EQ(tool.flags & irsnap::rpm::k_file_config, 0u);
    const auto& conf = files["/etc/irsnap-fixture.conf"];
    EXPECT_EQ(conf.digest, irsnap::sha256_hex(k_conf_content));
    EXPECT_NE(conf.flags & irsnap::rpm::k_file_config, 0u);
    EXPECT_EQ(conf.mode, 0100644);
    const auto& dir = files["/usr/share/irsnap-fixture"];
    EXPECT_EQ(dir.digest, "");
    EXPECT_TRUE(S_ISDIR(dir.mode));
    const auto& ghost = files["/var/log/irsnap-fixture.log"];
    EXPECT_EQ(ghost.digest, "");
    EXPECT_NE(ghost.flags & irsnap::rpm::k_file_ghost, 0u);

    const auto one = irsnap::rpm::read_rpmdb_sqlite_package(db(), hnum);
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(one->name, "irsnap-fixture");
    EXPECT_EQ(one->files.size(), 4u);
    const auto missing = irsnap::rpm::read_rpmdb_sqlite_package(db(), hnum + 1000);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("no package hnum"), std::string::npos);
    EXPECT_EQ(irsnap::rpm::rpmdb_kind(db_dir()), "sqlite");
}

TEST_F(RpmDbTest, ReadingWritesNothing) {
    // rpm leaves its own -wal, -shm and lock beside the database: reading adds none, touches none.
    const auto before = snapshot(db_dir());
    const auto bytes = read_bytes(db());
    ASSERT_TRUE(read_all(db()).result);
    ASSERT_TRUE(irsnap::rpm::read_rpmdb_sqlite_package(db(), 1));
    EXPECT_EQ(snapshot(db_dir()), before);
    EXPECT_EQ(read_bytes(db()), bytes);

    // Alone, a WAL-mode database would get a -shm and -wal from any non-immutable open.
    const fs::path copy = lone_copy("lone");
    const auto alone = snapshot(copy.parent_path());
    ASSERT_EQ(alone.size(), 1u);
    const auto r = read_all(copy);
    ASSERT_TRUE(r.result) << r.result.error().message;
    EXPECT_EQ(r.packages.size(), 1u);
    EXPECT_EQ(snapshot(copy.parent_path()), alone);
}

TEST_F(RpmDbTest, PathsWithUriCharactersAreEscaped) {
    const fs::path dir = m_tmp.path() / "a%41?b#c&d=e";
    fs::create_directories(dir);
    fs::copy_file(db(), dir / "rpmdb.sqlite");
    const auto r = read_all(dir / "rpmdb.sqlite");
    ASSERT_TRUE(r.result) << r.result.error().message;
    EXPECT_EQ(r.packages.size(), 1u);
    EXPECT_EQ(snapshot(dir).size(), 1u);
    // "//tmp/..." is a path, not a URI authority named "tmp".
    const auto doubled = read_all("/" + db().string());
    ASSERT_TRUE(doubled.result) << doubled.result.error().message;
    EXPECT_EQ(doubled.packages.size(), 1u);
}

TEST_F(RpmDbTest, CorruptCopiesAreErrorsNotCrashes) {
    const auto good = read_bytes(db());
    ASSERT_GT(good.size(), 8192u);
    const auto write_copy = [&](const std::vector<uint8_t>& bytes) {
        fs::path file = m_tmp.path() / "corrupt" / "rpmdb.sqlite";
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary | std::ios::trunc)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
        return file;
    };
    // Truncated at several sizes, the header page included.
    for (size_t size :
         {size_t{0}, size_t{50}, size_t{100}, size_t{4096}, good.size() / 2, good.size() - 1}) {
        const auto r = read_all(write_copy({good.begin(), good.begin() + size}));
        if (r.result) {
            EXPECT_LE(r.packages.size() + r.bad.size(), *r.result);
        } else {
            EXPECT_FALSE(r.result.error().message.empty());
        }
    }
    // Garbage over each page in turn: every outcome is a result, per-package bad() calls, or an
    // error; what parses is still a well-formed header.
    for (size_t at = 0; at < good.size(); at += 4096) {
        auto bytes = good;
        for (size_t k = at + 16; k < std::min(at + 4000, bytes.size()); k += 7) bytes[k] ^= 0x5a;
        const auto r = read_all(write_copy(bytes));
        for (const auto& [hnum, h] : r.packages) {
            for (const auto& f : h.files) EXPECT_FALSE(f.path.empty());
        }
        for (const auto& [hnum, e] : r.bad) EXPECT_EQ(e.stage, "parse");
    }
}

namespace {

/// A database made with SQLite directly: a Packages table holding the given rows.
void make_db(const fs::path& file, const std::vector<std::string>& inserts,
             bool packages_table = true) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    std::string sql = packages_table
                          ? "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);"
                          : "CREATE TABLE Other (x);";
    for (const auto& insert : inserts) sql += insert + ";";
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

std::string hex(const std::vector<uint8_t>& bytes) {
    static const char* const digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

}  // namespace

TEST(RpmDbSqlite, BadBlobsGoToBadAndIterationGoesOn) {
    irsnap::test::TempDir tmp("irsnap-rpmdb-rows");
    const fs::path file = tmp.path() / "rpmdb.sqlite";
    auto truncated = package().build();
    truncated.resize(truncated.size() / 2);
    make_db(file, {"INSERT INTO Packages VALUES (1, x'" + hex(package().build()) + "')",
                   "INSERT INTO Packages VALUES (2, x'" + hex(truncated) + "')",
                   "INSERT INTO Packages VALUES (3, NULL)", "INSERT INTO Packages VALUES (4, 42)",
                   "INSERT INTO Packages VALUES (5, x'')",
                   "INSERT INTO Packages VALUES (6, x'" + hex(package().build()) + "')"});
    const auto r = read_all(file);
    ASSERT_TRUE(r.result) << r.result.error().message;
    EXPECT_EQ(*r.result, 6u);
    ASSERT_EQ(r.packages.size(), 2u);
    EXPECT_EQ(r.packages[0].first, 1);
    EXPECT_EQ(r.packages[1].first, 6);
    EXPECT_EQ(r.packages[1].second.name, "demo");
    ASSERT_EQ(r.bad.size(), 4u);
    for (size_t i = 0; i < r.bad.size(); ++i) {
        EXPECT_EQ(r.bad[i].first, static_cast<int64_t>(i + 2));
        EXPECT_EQ(r.bad[i].second.path, file.string());
        EXPECT_NE(r.bad[i].second.message.find("package hnum " + std::to_string(i + 2)),
                  std::string::npos)
            << r.bad[i].second.message;
    }
    const auto bad = irsnap::rpm::read_rpmdb_sqlite_package(file, 2);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().stage, "parse");
}

TEST(RpmDbSqlite, UnreadableDatabasesAreErrors) {
    irsnap::test::TempDir tmp("irsnap-rpmdb-bad");
    const auto fails = [](const fs::path& file, const std::string& expected) {
        const auto r = read_all(file);
        ASSERT_FALSE(r.result) << file;
        EXPECT_NE(r.result.error().message.find(expected), std::string::npos)
            << r.result.error().message;
        EXPECT_TRUE(r.packages.empty());
        EXPECT_FALSE(irsnap::rpm::read_rpmdb_sqlite_package(file, 1));
    };
    fails(tmp.path() / "missing.sqlite", "No such file");
    fails(tmp.path(), "not a regular file");
    ASSERT_EQ(::mkfifo((tmp.path() / "fifo").c_str(), 0600), 0);
    fails(tmp.path() / "fifo", "not a regular file");
    write_bytes(tmp.path() / "text.sqlite", std::string(8192, 'x'));
    fails(tmp.path() / "text.sqlite", "not a database");
    make_db(tmp.path() / "other.sqlite", {}, false);
    fails(tmp.path() / "other.sqlite", "no Packages table");
}

TEST(RpmDbKind, NamesTheBackendByItsFile) {
    irsnap::test::TempDir tmp("irsnap-rpmdb-kind");
    const auto kind_with = [&](const std::vector<std::string>& files) {
        const fs::path dir =
            tmp.path() / std::to_string(files.size()) / (files.empty() ? "none" : files[0]);
        fs::create_directories(dir);
        for (const auto& f : files) write_bytes(dir / f, "x");
        return irsnap::rpm::rpmdb_kind(dir);
    };
    EXPECT_EQ(kind_with({}), "");
    EXPECT_EQ(kind_with({"rpmdb.sqlite"}), "sqlite");
    EXPECT_EQ(kind_with({"Packages"}), "bdb");
    EXPECT_EQ(kind_with({"Packages.db"}), "ndb");
    EXPECT_EQ(kind_with({"rpmdb.sqlite", "Packages"}), "sqlite");
    EXPECT_EQ(kind_with({"Index.db", "Packages.db"}), "ndb");
    EXPECT_EQ(irsnap::rpm::rpmdb_kind(tmp.path() / "absent"), "");
    // A directory by the name is not a database.
    fs::create_directories(tmp.path() / "dirs" / "rpmdb.sqlite");
    EXPECT_EQ(irsnap::rpm::rpmdb_kind(tmp.path() / "dirs"), "");
}

// The package index over a root holding that database where rpm >= 4.17 keeps it: a file as
// shipped is verified, a changed one modified, a changed %config file config.
TEST_F(RpmDbTest, PackageIndexGivesVerdicts) {
    const fs::path root = m_tmp.path() / "root";
    fs::create_directories(root / "usr/lib/sysimage");
    fs::copy(db_dir(), root / "usr/lib/sysimage/rpm", fs::copy_options::recursive);
    // Fedora keeps the old place as a link: an absolute one must resolve inside the root.
    fs::create_directories(root / "var/lib");
    fs::create_symlink("/usr/lib/sysimage/rpm", root / "var/lib/rpm");
    write_bytes(root / "usr/bin/irsnap-fixture-tool", k_tool_content);
    write_bytes(root / "etc/irsnap-fixture.conf", "key=changed\n");
    irsnap::HostView host;
    host.host_root = root;
    auto index = irsnap::PackageIndex::build(host);
    EXPECT_EQ(index->summary().managers, std::vector<std::string>{"rpm"});
    EXPECT_EQ(index->summary().packages, 1u);
    EXPECT_EQ(index->summary().paths, 4u);
    auto digests = [](const std::string& content) {
        irsnap::FileHash h;
        h.sha256 = irsnap::sha256_hex(content);
        return h;
    };
    const auto tool = index->check("/usr/bin/irsnap-fixture-tool", digests(k_tool_content));
    EXPECT_EQ(tool.verdict, "verified");
    EXPECT_EQ(tool.package, "irsnap-fixture");
    EXPECT_EQ(tool.version, "2:1.2.3-4");
    EXPECT_EQ(tool.manager, "rpm");
    EXPECT_EQ(tool.algorithm, "sha256");
    EXPECT_EQ(index->check("/usr/bin/irsnap-fixture-tool", digests("trojan")).verdict, "modified");
    EXPECT_EQ(index->check("/etc/irsnap-fixture.conf", digests("key=changed\n")).verdict, "config");
    EXPECT_EQ(index->check("/usr/bin/other", digests("x")).verdict, "unowned");
}

TEST(RpmPackageIndex, BerkeleyDbIsACoverageNote) {
    irsnap::test::TempDir tmp("irsnap-rpm-bdb");
    fs::create_directories(tmp.path() / "var/lib/rpm");
    write_bytes(tmp.path() / "var/lib/rpm/Packages", std::string(4096, '\0'));
    irsnap::HostView host;
    host.host_root = tmp.path();
    auto index = irsnap::PackageIndex::build(host);
    EXPECT_TRUE(index->summary().managers.empty());
    bool noted = false;
    for (const auto& n : index->summary().notes) {
        noted = noted || n.find("Berkeley DB") != std::string::npos;
    }
    EXPECT_TRUE(noted);
}
