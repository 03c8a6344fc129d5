// SPDX-License-Identifier: Apache-2.0
// The Windows timeline walk over a tree made in %TEMP%: entries from the directory listing with
// their file ids, sizes, attributes and times; a directory link recorded and not entered; the
// depth and record limits.
#include <windows.h>

#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "irsnap/timeline.hpp"
#include "irsnap/windows/timeline_walk_windows.hpp"
#include "irsnap/windows/win_text.hpp"

namespace {

namespace fs = std::filesystem;
using namespace irsnap::timeline;
using irsnap::win::to_utf8;

class Collected : public Visitor {
  public:
    void entry(const Root&, const Entry& e) override { entries[e.path] = e; }
    void error(irsnap::ItemError e) override { errors.push_back(std::move(e)); }
    void race() override { ++races; }
    std::map<std::string, Entry> entries;
    std::vector<irsnap::ItemError> errors;
    int races = 0;
};

class TimelineTree : public ::testing::Test {
  protected:
    void SetUp() override {
        wchar_t temp[MAX_PATH + 1];
        ASSERT_GT(GetTempPathW(MAX_PATH + 1, temp), 0u);
        root = fs::path(temp) / (L"irsnap-timeline-" + std::to_wstring(GetCurrentProcessId()));
        fs::create_directories(root / "a" / "b" / "c");
        write(root / "a" / "b" / "c" / "deep.txt", "deep");
        write(root / "dropper.exe", "MZ planted");
        ASSERT_TRUE(SetFileAttributesW((root / "dropper.exe").c_str(),
                                       FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM));
        // 2024-02-29T12:00:00Z as a FILETIME: (1709208000 + 11644473600) * 10^7.
        HANDLE h = CreateFileW((root / "dropper.exe").c_str(), FILE_WRITE_ATTRIBUTES, 0, nullptr,
                               OPEN_EXISTING, 0, nullptr);
        ASSERT_NE(h, INVALID_HANDLE_VALUE);
        const ULONGLONG t = (1709208000ull + 11644473600ull) * 10000000ull;
        FILETIME ft{static_cast<DWORD>(t), static_cast<DWORD>(t >> 32)};
        EXPECT_TRUE(SetFileTime(h, nullptr, nullptr, &ft));
        CloseHandle(h);
        path = to_utf8(root.wstring());
    }
    void TearDown() override {
        SetFileAttributesW((root / "dropper.exe").c_str(), FILE_ATTRIBUTE_NORMAL);
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    static void write(const fs::path& p, const std::string& text) {
        HANDLE h = CreateFileW(p.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr);
        ASSERT_NE(h, INVALID_HANDLE_VALUE);
        DWORD n = 0;
        WriteFile(h, text.data(), static_cast<DWORD>(text.size()), &n, nullptr);
        CloseHandle(h);
    }

    fs::path root;
    std::string path;
    irsnap::HostView host;
};

TEST_F(TimelineTree, EntriesComeFromTheListing) {
    Collected seen;
    const Report report = walk_windows(host, {{path, Scope::all}}, Limits{}, seen);
    EXPECT_TRUE(seen.errors.empty());
    ASSERT_EQ(report.roots.size(), 1u);
    EXPECT_EQ(report.roots[0].status, "walked");
    ASSERT_TRUE(seen.entries.count(path));
    EXPECT_EQ(seen.entries[path].type, FileType::directory);
    const std::string dropper = path + "\\dropper.exe";
    ASSERT_TRUE(seen.entries.count(dropper));
    const Entry& e = seen.entries[dropper];
    EXPECT_EQ(e.type, FileType::regular);
    EXPECT_EQ(e.size, 10u);
    EXPECT_EQ(e.mtime_ns, int64_t{1709208000} * 1000000000);
    ASSERT_TRUE(e.attributes);
    EXPECT_TRUE(*e.attributes & FILE_ATTRIBUTE_HIDDEN);
    // The inode is the file id the file's own handle reports.
    HANDLE h = CreateFileW((root / "dropper.exe").c_str(), FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, 0, nullptr);
    ASSERT_NE(h, INVALID_HANDLE_VALUE);
    BY_HANDLE_FILE_INFORMATION info{};
    ASSERT_TRUE(GetFileInformationByHandle(h, &info));
    CloseHandle(h);
    EXPECT_EQ(e.inode, (static_cast<uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow);
    EXPECT_TRUE(seen.entries.count(path + "\\a\\b\\c\\deep.txt"));
    EXPECT_EQ(report.records, seen.entries.size());
}

TEST_F(TimelineTree, ALinkedDirectoryIsRecordedNotEntered) {
    const fs::path link = root / "link";
    if (!CreateSymbolicLinkW(
            link.c_str(), (root / "a").c_str(),
            SYMBOLIC_LINK_FLAG_DIRECTORY | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE)) {
        GTEST_SKIP() << "no directory symlink here (error " << GetLastError() << ")";
    }
    // Wine 8 answers TRUE and creates nothing: then there is no link to walk past.
    const DWORD attributes = GetFileAttributesW(link.c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
        GTEST_SKIP() << "CreateSymbolicLinkW made no link here";
    }
    Collected seen;
    walk_windows(host, {{path, Scope::all}}, Limits{}, seen);
    RemoveDirectoryW(link.c_str());
    std::string listed;
    for (const auto& [p, e] : seen.entries) {
        listed += p + " " + std::string(type_name(e.type)) + " " +
                  std::to_string(e.attributes.value_or(0)) + "\n";
    }
    ASSERT_TRUE(seen.entries.count(path + "\\link")) << listed;
    EXPECT_EQ(seen.entries[path + "\\link"].type, FileType::symlink);
    EXPECT_FALSE(seen.entries.count(path + "\\link\\b"));
}

TEST_F(TimelineTree, DepthRecordAndWindowLimits) {
    Collected deep;
    Limits limits;
    limits.max_depth = 1;
    Report report = walk_windows(host, {{path, Scope::all}}, limits, deep);
    ASSERT_EQ(report.too_deep.count, 1u);
    EXPECT_EQ(report.too_deep.first[0], path + "\\a\\b");

    Collected few;
    limits = Limits{};
    limits.max_records = 2;
    report =
        walk_windows(host, {{path, Scope::all}, {path + "\\missing", Scope::all}}, limits, few);
    EXPECT_EQ(few.entries.size(), 2u);
    EXPECT_EQ(report.stop, Stop::max_records);
    EXPECT_EQ(report.roots[0].status, "stopped");
    EXPECT_EQ(report.roots[1].status, "not_reached");

    Collected recent;
    limits = Limits{};
    limits.since_ns = INT64_MAX;
    report = walk_windows(host, {{path, Scope::changed}}, limits, recent);
    EXPECT_TRUE(recent.entries.empty());
    EXPECT_GT(report.visited, 4u);
}

TEST(TimelinePlaces, ProfilesAndSystemDirectoriesAreFound) {
    const WindowsPlaces places = windows_places();
    EXPECT_FALSE(places.windows_dir.empty());
    EXPECT_FALSE(places.program_data.empty());
    EXPECT_FALSE(places.profiles.empty());
    for (const auto& p : places.problems) ADD_FAILURE() << p.path << ": " << p.message;
}

}  // namespace
