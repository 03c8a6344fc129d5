// SPDX-License-Identifier: Apache-2.0
// The package database parsers over literal text, and the package index over fixture roots
// built here: dpkg with usr-merge, diversions and conffiles; apk; no database at all.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fixture_util.hpp"
#include "irsnap/file_hash.hpp"
#include "irsnap/linux/package_files.hpp"
#include "irsnap/package_index.hpp"
#include "platform/linux/packages/package_sources.hpp"

namespace fs = std::filesystem;
using namespace irsnap;
using namespace irsnap::packages;
using irsnap::test::TempDir;

namespace {

TEST(DpkgStatus, ParagraphsFieldsAndConffiles) {
    const auto pkgs = parse_dpkg_status(
        "Package: base-files\n"
        "Status: install ok installed\n"
        "Version: 12.4+deb12u5\n"
        "Architecture: amd64\n"
        "Conffiles:\n"
        " /etc/issue 9a1fb1a8e5b4ad0c7a2e1e7e9c3b3a2d\n"
        " /etc/with space.conf 00112233445566778899AABBCCDDEEFF\n"
        " /etc/old.conf 0123456789abcdef0123456789abcdef obsolete\n"
        " /etc/new.conf newconffile\n"
        "Description: the base\n"
        " /etc/not-a-conffile 0123456789abcdef0123456789abcdef\n"
        "\n"
        "Status: install ok installed\n"
        "Version: 1\n"
        "\n"
        "Package: libc6\n"
        "Architecture: amd64\n"
        "Version: 2.36-9\n",
        nullptr);
    ASSERT_EQ(pkgs.size(), 2u);
    EXPECT_EQ(pkgs[0].name, "base-files");
    EXPECT_EQ(pkgs[0].version, "12.4+deb12u5");
    EXPECT_EQ(pkgs[0].architecture, "amd64");
    EXPECT_EQ(pkgs[0].status, "install ok installed");
    ASSERT_EQ(pkgs[0].conffiles.size(), 4u);
    EXPECT_EQ(pkgs[0].conffiles[0].path, "/etc/issue");
    EXPECT_EQ(pkgs[0].conffiles[0].md5, "9a1fb1a8e5b4ad0c7a2e1e7e9c3b3a2d");
    EXPECT_EQ(pkgs[0].conffiles[1].path, "/etc/with space.conf");
    EXPECT_EQ(pkgs[0].conffiles[1].md5, "00112233445566778899aabbccddeeff");
    EXPECT_TRUE(pkgs[0].conffiles[2].obsolete);
    EXPECT_EQ(pkgs[0].conffiles[3].md5, "");  // newconffile: no digest yet
    EXPECT_EQ(pkgs[1].name, "libc6");

    size_t malformed = 0;
    parse_dpkg_status("Status: x\n\nPackage: a\n", &malformed);
    EXPECT_EQ(malformed, 1u);
}

TEST(DpkgDiversions, GroupsOfThree) {
    size_t malformed = 9;
    const auto d = parse_dpkg_diversions(
        "/usr/bin/tool\n/usr/bin/tool.distrib\ndiverter\n/etc/x\n/etc/x.local\n:\n", &malformed);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].from, "/usr/bin/tool");
    EXPECT_EQ(d[0].to, "/usr/bin/tool.distrib");
    EXPECT_EQ(d[0].package, "diverter");
    EXPECT_EQ(d[1].package, "");  // local diversion
    EXPECT_EQ(malformed, 0u);
    parse_dpkg_diversions("/a\n/b\n", &malformed);
    EXPECT_EQ(malformed, 1u);
}

TEST(DpkgMd5sums, LinesPathsAndMalformed) {
    std::vector<std::pair<std::string, std::string>> seen;
    const size_t bad = for_each_dpkg_md5sum(
        "0123456789ABCDEF0123456789abcdef  usr/bin/ls\n"
        "0123456789abcdef0123456789abcdef *./usr/bin/with space\n"
        "not-a-digest  usr/bin/x\n"
        "0123456789abcdef0123456789abcdef usr/bin/one-space\n"
        "0123456789abcdef0123456789abcdef  \n"
        "0123456789abcdef01234",  // a truncated last line
        [&](std::string_view path, std::string_view md5) {
            seen.emplace_back(std::string(path), std::string(md5));
        });
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].first, "/usr/bin/ls");
    EXPECT_EQ(seen[0].second, "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(seen[1].first, "/usr/bin/with space");
    EXPECT_EQ(bad, 4u);
}

TEST(DpkgList, AbsolutePathsOnly) {
    std::vector<std::string> seen;
    const size_t bad = for_each_dpkg_list_path("/.\n/usr\n/usr/bin/ls\nrelative\n\n",
                                               [&](std::string_view p) { seen.emplace_back(p); });
    EXPECT_EQ(seen, (std::vector<std::string>{"/usr", "/usr/bin/ls"}));
    EXPECT_EQ(bad, 1u);
}

TEST(ApkInstalled, FilesAndSha1) {
    size_t malformed = 0;
    // Q1 + base64 of SHA-1("hello\n") = f572d396fae9206628714fb2ce00f72e94f2258f.
    const auto pkgs = parse_apk_installed(
        "C:Q1abc=\nP:busybox\nV:1.36.1-r5\nA:x86_64\n"
        "F:bin\nR:busybox\na:0:0:755\nZ:Q19XLTlvrpIGYocU+yzgD3LpTyJY8=\n"
        "F:etc\nZ:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nR:motd\nZ:not-base64\n"
        "\n"
        "P:musl\nV:1.2.4-r2\nR:orphan\n",
        &malformed);
    ASSERT_EQ(pkgs.size(), 2u);
    EXPECT_EQ(pkgs[0].name, "busybox");
    EXPECT_EQ(pkgs[0].version, "1.36.1-r5");
    ASSERT_EQ(pkgs[0].files.size(), 2u);
    EXPECT_EQ(pkgs[0].files[0].path, "/bin/busybox");
    EXPECT_EQ(pkgs[0].files[0].digest, "f572d396fae9206628714fb2ce00f72e94f2258f");
    EXPECT_EQ(pkgs[0].files[1].path, "/etc/motd");
    EXPECT_EQ(pkgs[0].files[1].digest, "");
    EXPECT_TRUE(pkgs[1].files.empty());
    EXPECT_EQ(malformed, 2u);  // the bad Z: and the R: before any F:
}

TEST(ApkInstalled, ChecksumAfterBlankLineBelongsToNoFile) {
    // Found by fuzz_apk_installed: the "last line was an R:" flag outlived the blank line that
    // ends a package, so a Z: (or an a: and then a Z:) opening the next paragraph took back() of
    // that package's still empty file list.
    for (const char* text :
         {"P:a\nF:bin\nR:x\n\nZ:Q19XLTlvrpIGYocU+yzgD3LpTyJY8=\nP:b\n",
          "P:a\nF:bin\nR:x\n\na:0:0:755\nZ:Q19XLTlvrpIGYocU+yzgD3LpTyJY8=\nP:b\n"}) {
        size_t malformed = 9;
        const auto pkgs = parse_apk_installed(text, &malformed);
        ASSERT_EQ(pkgs.size(), 2u) << text;
        ASSERT_EQ(pkgs[0].files.size(), 1u);
        EXPECT_EQ(pkgs[0].files[0].path, "/bin/x");
        EXPECT_EQ(pkgs[0].files[0].digest, "");  // its Z: came after the package ended
        EXPECT_TRUE(pkgs[1].files.empty());
        EXPECT_EQ(malformed, 0u);  // a stray Z: is ignored, as after an F:
    }
}

TEST(PathNormalizer, UsrMergeAndSlashes) {
    PathNormalizer n({"bin", "lib"});
    EXPECT_EQ(n.normalize("/bin/ls"), "/usr/bin/ls");
    EXPECT_EQ(n.normalize("/lib//x86_64-linux-gnu/libc.so.6"),
              "/usr/lib/x86_64-linux-gnu/libc.so.6");
    EXPECT_EQ(n.normalize("/sbin/init"), "/sbin/init");  // not merged here
    EXPECT_EQ(n.normalize("/binary"), "/binary");
    EXPECT_EQ(n.normalize("/lib64/ld.so"), "/lib64/ld.so");
}

// ---- the index over fixture roots

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

/// The file's digests as a run computes them: SHA-256 and the package extras in one read.
FileHash digests_of(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0) << file;
    FileHash h = hash_fd(fd, fs::file_size(file), 0, nullptr, k_package_md5 | k_package_sha1);
    ::close(fd);
    return h;
}

std::unique_ptr<PackageIndex> index_of(const fs::path& root) {
    HostView host;
    host.host_root = root;
    return PackageIndex::build(host);
}

class DpkgIndex : public ::testing::Test {
  protected:
    void SetUp() override {
        const fs::path r = m_tmp.path();
        fs::create_directories(r / "usr/bin");
        fs::create_directory_symlink("usr/bin", r / "bin");
        write(r / "etc/os-release", "PRETTY_NAME=\"Fixture Linux 1\"\n");
        write(r / "usr/bin/ls", "ls as shipped\n");
        write(r / "usr/bin/ps", "ps, trojaned\n");
        write(r / "usr/bin/tool", "the diverter's tool\n");
        write(r / "usr/bin/tool.distrib", "the original tool\n");
        write(r / "etc/issue", "edited by the admin\n");
        write(r / "etc/motd", "motd as shipped\n");
        write(r / "usr/local/bin/dropper", "not a package's\n");
        const std::string d = "var/lib/dpkg/";
        write(r / (d + "status"),
              "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\n"
              "Version: 9.1-1\n\n"
              "Package: procps\nStatus: install ok installed\nVersion: 2:4.0.2-3\n\n"
              "Package: tool\nStatus: install ok installed\nVersion: 1.0\n\n"
              "Package: diverter\nStatus: install ok installed\nVersion: 2.0\n\n"
              "Package: base-files\nStatus: install ok installed\nVersion: 12.4\nConffiles:\n"
              " /etc/issue " +
                  md5("issue as shipped\n") + "\n /etc/motd " + md5("motd as shipped\n") + "\n");
        write(r / (d + "diversions"), "/usr/bin/tool\n/usr/bin/tool.distrib\ndiverter\n");
        // coreutils lists /bin/ls (before usr-merge), the kernel reports /usr/bin/ls.
        write(r / (d + "info/coreutils.list"), "/.\n/bin\n/bin/ls\n/bin/lslink\n");
        write(r / (d + "info/coreutils.md5sums"), md5("ls as shipped\n") + "  bin/ls\n");
        write(r / (d + "info/procps.list"), "/usr/bin/ps\n");
        write(r / (d + "info/procps.md5sums"), md5("ps as shipped\n") + "  usr/bin/ps\n");
        write(r / (d + "info/tool.list"), "/usr/bin/tool\n");
        write(r / (d + "info/tool.md5sums"), md5("the original tool\n") + "  usr/bin/tool\n");
        write(r / (d + "info/diverter.list"), "/usr/bin/tool\n");
        write(r / (d + "info/diverter.md5sums"), md5("the diverter's tool\n") + "  usr/bin/tool\n");
        write(r / (d + "info/base-files.list"), "/etc/issue\n/etc/motd\n");
        // A planted symlink among the .list files is never followed.
        write(r / "elsewhere.list", "/usr/local/bin/dropper\n");
        fs::create_symlink(r / "elsewhere.list", r / (d + "info/planted.list"));
        m_index = index_of(r);
    }

    static std::string md5(const std::string& text) {
        PackageDigests d(k_package_md5);
        d.update(text.data(), text.size());
        std::string md5, sha1;
        d.finish_hex(md5, sha1);
        return md5;
    }

    PackageVerdict check(const std::string& path) {
        return m_index->check(path, digests_of(m_tmp.path() / path.substr(1)));
    }

    TempDir m_tmp{"irsnap-dpkg"};
    std::unique_ptr<PackageIndex> m_index;
};

TEST_F(DpkgIndex, SummaryNamesTheDatabase) {
    const auto& s = m_index->summary();
    EXPECT_EQ(s.distribution, "Fixture Linux 1");
    EXPECT_EQ(s.managers, std::vector<std::string>{"dpkg"});
    EXPECT_EQ(s.packages, 5u);  // the planted symlink is not a package
    EXPECT_EQ(s.paths, 8u);     // "/." is not a path
    EXPECT_TRUE(s.notes.empty()) << s.notes.front();
}

TEST_F(DpkgIndex, VerifiedThroughUsrMerge) {
    const auto v = check("/usr/bin/ls");
    EXPECT_EQ(v.verdict, "verified");
    EXPECT_EQ(v.package, "coreutils");
    EXPECT_EQ(v.version, "9.1-1");
    EXPECT_EQ(v.manager, "dpkg");
    EXPECT_EQ(v.algorithm, "md5");
    EXPECT_EQ(v.package_digest, v.file_digest);
}

TEST_F(DpkgIndex, ModifiedShowsBothDigests) {
    const auto v = check("/usr/bin/ps");
    EXPECT_EQ(v.verdict, "modified");
    EXPECT_EQ(v.package, "procps");
    EXPECT_EQ(v.package_digest, md5("ps as shipped\n"));
    EXPECT_EQ(v.file_digest, md5("ps, trojaned\n"));
}

TEST_F(DpkgIndex, DiversionsMoveTheOwner) {
    const auto at_path = check("/usr/bin/tool");
    EXPECT_EQ(at_path.verdict, "verified");
    EXPECT_EQ(at_path.package, "diverter");
    const auto moved = check("/usr/bin/tool.distrib");
    EXPECT_EQ(moved.verdict, "verified");
    EXPECT_EQ(moved.package, "tool");
    EXPECT_NE(moved.note.find("diverted"), std::string::npos);
}

TEST_F(DpkgIndex, ConffilesAreConfigOrVerified) {
    EXPECT_EQ(check("/etc/issue").verdict, "config");
    EXPECT_EQ(check("/etc/motd").verdict, "verified");
}

TEST_F(DpkgIndex, UnownedAndNoDigest) {
    EXPECT_EQ(check("/usr/local/bin/dropper").verdict, "unowned");
    const auto link = m_index->check("/usr/bin/lslink", FileHash{});
    EXPECT_EQ(link.verdict, "unknown");
    EXPECT_EQ(link.package, "coreutils");
    const auto not_hashed = m_index->check("/usr/bin/ls", FileHash{});
    EXPECT_EQ(not_hashed.verdict, "unknown");
    EXPECT_EQ(not_hashed.package, "coreutils");
}

TEST(PackageIndexRoots, NoDatabaseMeansUnknown) {
    TempDir tmp("irsnap-nodb");
    write(tmp.path() / "usr/bin/x", "x\n");
    auto index = index_of(tmp.path());
    EXPECT_TRUE(index->summary().managers.empty());
    EXPECT_FALSE(index->summary().notes.empty());
    const auto v = index->check("/usr/bin/x", digests_of(tmp.path() / "usr/bin/x"));
    EXPECT_EQ(v.verdict, "unknown");
}

TEST(PackageIndexRoots, BrokenDatabaseFilesAreNotes) {
    TempDir tmp("irsnap-baddb");
    const fs::path r = tmp.path();
    write(r / "usr/bin/x", "x\n");
    // A FIFO where the status file should be, a truncated md5sums.
    fs::create_directories(r / "var/lib/dpkg/info");
    ASSERT_EQ(::mkfifo((r / "var/lib/dpkg/status").c_str(), 0600), 0);
    write(r / "var/lib/dpkg/info/x.list", "/usr/bin/x\n");
    write(r / "var/lib/dpkg/info/x.md5sums", "0123456789abcdef");
    auto index = index_of(r);
    EXPECT_EQ(index->summary().managers, std::vector<std::string>{"dpkg"});
    EXPECT_FALSE(index->summary().notes.empty());
    const auto v = index->check("/usr/bin/x", digests_of(r / "usr/bin/x"));
    EXPECT_EQ(v.verdict, "unknown");
    EXPECT_EQ(v.package, "x");
    EXPECT_NE(v.note.find("malformed"), std::string::npos) << v.note;
}

TEST(PackageIndexRoots, ApkSha1) {
    TempDir tmp("irsnap-apk");
    const fs::path r = tmp.path();
    write(r / "bin/busybox", "hello\n");
    write(r / "bin/other", "changed\n");
    write(r / "lib/apk/db/installed",
          "P:busybox\nV:1.36.1-r5\nF:bin\nR:busybox\nZ:Q19XLTlvrpIGYocU+yzgD3LpTyJY8=\n"
          "R:other\nZ:Q19XLTlvrpIGYocU+yzgD3LpTyJY8=\n");
    auto index = index_of(r);
    EXPECT_EQ(index->summary().managers, std::vector<std::string>{"apk"});
    const auto ok = index->check("/bin/busybox", digests_of(r / "bin/busybox"));
    EXPECT_EQ(ok.verdict, "verified");
    EXPECT_EQ(ok.algorithm, "sha1");
    EXPECT_EQ(ok.package, "busybox");
    EXPECT_EQ(index->check("/bin/other", digests_of(r / "bin/other")).verdict, "modified");
}

TEST(PackageDigestsNeeded, FollowsTheDatabasesFound) {
    TempDir tmp("irsnap-need");
    EXPECT_EQ(package_digests_needed(tmp.path()), 0u);
    write(tmp.path() / "var/lib/dpkg/status", "");
    EXPECT_EQ(package_digests_needed(tmp.path()), unsigned{k_package_md5});
    write(tmp.path() / "lib/apk/db/installed", "");
    EXPECT_EQ(package_digests_needed(tmp.path()), unsigned{k_package_md5 | k_package_sha1});
}

}  // namespace
