// SPDX-License-Identifier: Apache-2.0
// Windows command line -> target file: quoting, CreateProcess's unquoted-path rule, bare names,
// rundll32, environment expansion and NT path forms. The file system is a set of paths.
#include <gtest/gtest.h>

#include <set>

#include "irsnap/windows/win_command_target.hpp"

using namespace irsnap::autoruns_win;

namespace {

struct FakeFs {
    std::set<std::string> files;
    std::vector<std::string> asked;
    PathExists callback() {
        return [this](const std::string& p) {
            asked.push_back(p);
            return files.count(lower_ascii(p)) > 0;
        };
    }
};

TargetOptions options() {
    TargetOptions o;
    o.system_root = "C:\\Windows";
    o.search_dirs = {"C:\\Windows\\System32", "C:\\Windows"};
    return o;
}

}  // namespace

TEST(WinCommandTarget, QuotedProgramWithArguments) {
    FakeFs fs{{"c:\\program files\\app\\app.exe"}};
    auto t =
        command_target("\"C:\\Program Files\\App\\app.exe\" /start -x", options(), fs.callback());
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "C:\\Program Files\\App\\app.exe");
    EXPECT_TRUE(t->exists);
    EXPECT_EQ(t->arguments, "/start -x");
}

TEST(WinCommandTarget, UnquotedWithSpacesTriesShortestPrefixFirst) {
    FakeFs fs{{"c:\\program files\\my app\\run.exe"}};
    auto t = command_target("C:\\Program Files\\My App\\run.exe --bg", options(), fs.callback());
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "C:\\Program Files\\My App\\run.exe");
    EXPECT_TRUE(t->exists);
    EXPECT_EQ(t->arguments, "--bg");
    // The order CreateProcess uses: C:\Program.exe before anything longer.
    ASSERT_GE(fs.asked.size(), 3u);
    EXPECT_EQ(fs.asked[0], "C:\\Program.exe");
    EXPECT_EQ(fs.asked[1], "C:\\Program");

    // A planted C:\Program.exe wins: that is what Windows would run.
    FakeFs hijack{{"c:\\program.exe", "c:\\program files\\my app\\run.exe"}};
    t = command_target("C:\\Program Files\\My App\\run.exe", options(), hijack.callback());
    EXPECT_EQ(t->path, "C:\\Program.exe");
    EXPECT_EQ(t->arguments, "Files\\My App\\run.exe");
}

TEST(WinCommandTarget, MissingUnquotedReportsThePrefixEndingInAnExtension) {
    FakeFs fs;
    auto t = command_target("C:\\Program Files\\Gone App\\gone.exe /x", options(), fs.callback());
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->exists);
    EXPECT_EQ(t->path, "C:\\Program Files\\Gone App\\gone.exe");
    EXPECT_EQ(t->arguments, "/x");
    t = command_target("C:\\tools\\agent -d", options(), fs.callback());
    EXPECT_EQ(t->path, "C:\\tools\\agent.exe");
}

TEST(WinCommandTarget, BareNamesAreSearchedWithExeAppended) {
    FakeFs fs{{"c:\\windows\\system32\\notepad.exe", "c:\\windows\\regedit.exe"}};
    auto t = command_target("notepad /p x.txt", options(), fs.callback());
    EXPECT_EQ(t->path, "C:\\Windows\\System32\\notepad.exe");
    EXPECT_TRUE(t->exists);
    t = command_target("regedit.exe", options(), fs.callback());
    EXPECT_EQ(t->path, "C:\\Windows\\regedit.exe");
    // Found nowhere: no path to report, but the entry did have a target.
    t = command_target("nosuch.exe -q", options(), fs.callback());
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "");
    EXPECT_FALSE(t->exists);
    EXPECT_FALSE(command_target("   ", options(), fs.callback()));
}

TEST(WinCommandTarget, Rundll32TargetIsTheDll) {
    FakeFs fs{{"c:\\windows\\system32\\rundll32.exe", "c:\\users\\a\\appdata\\x.dll",
               "c:\\windows\\system32\\shell32.dll"}};
    auto t = command_target("rundll32.exe C:\\Users\\a\\AppData\\x.dll,Start arg", options(),
                            fs.callback());
    EXPECT_EQ(t->path, "C:\\Users\\a\\AppData\\x.dll");
    EXPECT_TRUE(t->exists);
    EXPECT_EQ(t->via, "C:\\Windows\\System32\\rundll32.exe");
    t = command_target("C:\\Windows\\System32\\rundll32.exe shell32,Control_RunDLL", options(),
                       fs.callback());
    EXPECT_EQ(t->path, "C:\\Windows\\System32\\shell32.dll");
    t = command_target("rundll32 \"C:\\Users\\a\\AppData\\gone.dll\",Go", options(), fs.callback());
    EXPECT_EQ(t->path, "C:\\Users\\a\\AppData\\gone.dll");
    EXPECT_FALSE(t->exists);
}

TEST(WinCommandTarget, ServiceImagePathForms) {
    FakeFs fs{{"c:\\windows\\system32\\drivers\\null.sys", "c:\\windows\\system32\\svchost.exe"}};
    TargetOptions o = options();
    o.relative_to_system_root = true;
    auto t = command_target("\\SystemRoot\\System32\\drivers\\null.sys", o, fs.callback());
    EXPECT_EQ(t->path, "C:\\Windows\\System32\\drivers\\null.sys");
    EXPECT_TRUE(t->exists);
    t = command_target("System32\\drivers\\null.sys", o, fs.callback());
    EXPECT_EQ(t->path, "C:\\Windows\\System32\\drivers\\null.sys");
    t = command_target("\\??\\C:\\Windows\\System32\\drivers\\null.sys", o, fs.callback());
    EXPECT_EQ(t->path, "C:\\Windows\\System32\\drivers\\null.sys");
    t = command_target("C:\\Windows\\system32\\svchost.exe -k netsvcs -p", o, fs.callback());
    EXPECT_EQ(t->path, "C:\\Windows\\system32\\svchost.exe");
    EXPECT_EQ(t->arguments, "-k netsvcs -p");
}

TEST(WinCommandTarget, NormalizeWindowsPath) {
    EXPECT_EQ(normalize_windows_path("\\SystemRoot\\x.sys", "D:\\Win", false), "D:\\Win\\x.sys");
    EXPECT_EQ(normalize_windows_path("\\??\\C:\\a\\b", "C:\\Windows", false), "C:\\a\\b");
    EXPECT_EQ(normalize_windows_path("\\\\?\\C:\\a", "C:\\Windows", false), "C:\\a");
    EXPECT_EQ(normalize_windows_path("\\\\?\\UNC\\srv\\s\\a", "C:\\Windows", false),
              "\\\\srv\\s\\a");
    EXPECT_EQ(normalize_windows_path("\\Windows\\x", "C:\\Windows", false), "C:\\Windows\\x");
    EXPECT_EQ(normalize_windows_path("\\Device\\HarddiskVolume1\\x", "C:\\W", false),
              "\\Device\\HarddiskVolume1\\x");
    EXPECT_EQ(normalize_windows_path("system32\\x", "C:\\Windows", true),
              "C:\\Windows\\system32\\x");
    EXPECT_EQ(normalize_windows_path("system32\\x", "C:\\Windows", false), "system32\\x");
    EXPECT_EQ(normalize_windows_path("C:/a/b", "C:\\Windows", false), "C:\\a\\b");
}

TEST(WinCommandTarget, ExpandEnvironment) {
    auto lookup = [](const std::string& name) -> std::optional<std::string> {
        if (lower_ascii(name) == "appdata") return std::string("C:\\Users\\a\\AppData\\Roaming");
        if (lower_ascii(name) == "systemroot") return std::string("C:\\Windows");
        return std::nullopt;
    };
    EXPECT_EQ(expand_environment("%APPDATA%\\x.exe", lookup),
              "C:\\Users\\a\\AppData\\Roaming\\x.exe");
    EXPECT_EQ(expand_environment("%SystemRoot%\\a %systemroot%", lookup),
              "C:\\Windows\\a C:\\Windows");
    EXPECT_EQ(expand_environment("100% sure %NOPE% x", lookup), "100% sure %NOPE% x");
    EXPECT_EQ(expand_environment("%NOPE%SystemRoot%", lookup), "%NOPEC:\\Windows");
    EXPECT_EQ(expand_environment("%%", lookup), "%%");
    EXPECT_EQ(expand_environment("trailing %", lookup), "trailing %");
}
