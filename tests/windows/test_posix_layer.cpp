// SPDX-License-Identifier: Apache-2.0
// The POSIX calls the core makes, as implemented on Win32 (src/platform/windows/posix): the
// bundle writer relies on exactly these behaviours (O_EXCL, *at() against a directory
// descriptor, rename into place, pread at an offset, an exclusive lock).
#include <windows.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "irsnap/text.hpp"

namespace {

namespace fs = std::filesystem;

class PosixLayer : public ::testing::Test {
  protected:
    void SetUp() override {
        wchar_t temp[MAX_PATH + 1];
        ASSERT_GT(GetTempPathW(MAX_PATH + 1, temp), 0u);
        dir = fs::path(temp) /
              fs::path(L"irsnap-posix-test-" + std::to_wstring(GetCurrentProcessId()));
        fs::remove_all(dir);
        ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0) << errno;
        dirfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
        ASSERT_GE(dirfd, 0) << errno;
    }
    void TearDown() override {
        if (dirfd >= 0) ::close(dirfd);
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string read_file(const fs::path& path) {
        const int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) return "<open failed>";
        std::string out(4096, '\0');
        const ssize_t n = ::read(fd, out.data(), out.size());
        ::close(fd);
        out.resize(n < 0 ? 0 : static_cast<size_t>(n));
        return out;
    }
    fs::path dir;
    int dirfd = -1;
};

TEST_F(PosixLayer, OpenatCreatesExclusivelyAndWritesBinary) {
    const int fd = ::openat(dirfd, "a.jsonl", O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0) << errno;
    const std::string text = "line one\nline two\n";  // no CR/LF translation
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    EXPECT_EQ(::fsync(fd), 0);
    ::close(fd);
    EXPECT_EQ(read_file(dir / "a.jsonl"), text);

    errno = 0;
    EXPECT_EQ(::openat(dirfd, "a.jsonl", O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
    EXPECT_EQ(errno, EEXIST);
}

TEST_F(PosixLayer, MkdiratRenameatUnlinkatFstatat) {
    ASSERT_EQ(::mkdirat(dirfd, "sub", 0700), 0) << errno;
    const int fd = ::openat(dirfd, "tmp.json", O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "{}", 2), 2);
    ::close(fd);
    // The manifest is written under a temporary name and renamed into place.
    ASSERT_EQ(::renameat(dirfd, "tmp.json", dirfd, "manifest.json"), 0) << errno;
    struct stat st {};
    ASSERT_EQ(::fstatat(dirfd, "manifest.json", &st, 0), 0) << errno;
    EXPECT_EQ(st.st_size, 2);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    ASSERT_EQ(::fstatat(dirfd, "sub", &st, 0), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_NE(::fstatat(dirfd, "tmp.json", &st, 0), 0);

    EXPECT_EQ(::unlinkat(dirfd, "manifest.json", 0), 0) << errno;
    EXPECT_EQ(::unlinkat(dirfd, "sub", AT_REMOVEDIR), 0) << errno;
    EXPECT_FALSE(fs::exists(dir / "manifest.json"));
    EXPECT_FALSE(fs::exists(dir / "sub"));
}

TEST_F(PosixLayer, PreadAndPwriteUseTheOffsetNotThePosition) {
    const int fd = ::openat(dirfd, "p.bin", O_RDWR | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, "0123456789", 10, 0), 10);
    ASSERT_EQ(::pwrite(fd, "AB", 2, 4), 2);
    char buffer[4] = {};
    ASSERT_EQ(::pread(fd, buffer, 4, 3), 4);
    EXPECT_EQ(std::string(buffer, 4), "3AB6");
    ASSERT_EQ(::pread(fd, buffer, 4, 100), 0);  // past the end: EOF, not an error
    ::close(fd);
    EXPECT_EQ(read_file(dir / "p.bin"), "0123AB6789");
}

TEST_F(PosixLayer, FlockIsExclusiveAcrossDescriptors) {
    const int a = ::openat(dirfd, "lock", O_RDWR | O_CREAT, 0600);
    const int b = ::openat(dirfd, "lock", O_RDWR, 0600);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    EXPECT_EQ(::flock(a, LOCK_EX | LOCK_NB), 0) << errno;
    errno = 0;
    EXPECT_EQ(::flock(b, LOCK_EX | LOCK_NB), -1);
    EXPECT_EQ(errno, EWOULDBLOCK);
    EXPECT_EQ(::flock(a, LOCK_UN), 0);
    EXPECT_EQ(::flock(b, LOCK_EX | LOCK_NB), 0) << errno;
    ::close(a);
    ::close(b);
}

TEST_F(PosixLayer, NonAsciiNamesFromUtf8) {
    const fs::path name = irsnap::path_from_utf8(
        "st\xc3\xbc"
        "ck \xe6\x97\xa5");
    ASSERT_EQ(::mkdir((dir / name).c_str(), 0700), 0) << errno;
    const int sub = ::open((dir / name).c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(sub, 0) << errno;
    const int fd = ::openat(sub, "caf\xc3\xa9.txt", O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0) << errno;
    ::close(fd);
    ::close(sub);
    EXPECT_TRUE(fs::exists(dir / name / fs::path(L"caf\u00e9.txt")));
    EXPECT_EQ(::access((dir / name).c_str(), R_OK), 0);
}

// A bundle on a deep USB path or under a long profile name: past MAX_PATH, Windows needs the
// \\?\ form, which the layer adds.
TEST_F(PosixLayer, PathsLongerThanMaxPath) {
    fs::path deep = dir;
    std::string relative;
    for (int i = 0; i < 6; ++i) {
        const std::string part(60, static_cast<char>('a' + i));
        deep /= part;
        relative += (relative.empty() ? "" : "/") + part;
        ASSERT_EQ(::mkdir(deep.c_str(), 0700), 0) << errno << " at " << deep.native().size();
    }
    ASSERT_GT(deep.native().size(), 300u);
    const int fd = ::open((deep / "manifest.json").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0) << errno;
    ASSERT_EQ(::write(fd, "{}", 2), 2);
    ::close(fd);
    struct stat st {};
    ASSERT_EQ(::stat((deep / "manifest.json").c_str(), &st), 0) << errno;
    EXPECT_EQ(st.st_size, 2);
    // And relative to a directory descriptor, with '/' separators as the core writes them.
    const int at = ::openat(dirfd, (relative + "/x.jsonl").c_str(), O_WRONLY | O_CREAT | O_EXCL);
    ASSERT_GE(at, 0) << errno;
    ::close(at);
    EXPECT_EQ(::fstatat(dirfd, (relative + "/x.jsonl").c_str(), &st, 0), 0) << errno;
}

}  // namespace
