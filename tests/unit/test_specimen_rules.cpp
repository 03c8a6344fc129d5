// SPDX-License-Identifier: Apache-2.0
// The pure pieces of the samples and files collectors and of `irsnap extract`: which paths make
// a specimen, the files table's glob, archive member names, and where extract may write.
#include <gtest/gtest.h>

#include "files/files.hpp"
#include "irsnap/extract.hpp"
#include "samples/samples.hpp"

namespace irsnap::collectors {
namespace {

using R = SpecimenReason;

TEST(SpecimenPaths, TemporaryPlacesAndHiddenDirectoriesAreReasons) {
    EXPECT_EQ(linux_path_reasons("/tmp/x"), (std::set<R>{R::temporary_place}));
    EXPECT_EQ(linux_path_reasons("/dev/shm/.a/b"),
              (std::set<R>{R::temporary_place, R::hidden_directory}));
    EXPECT_EQ(linux_path_reasons("/run/user/1000/x"), (std::set<R>{R::temporary_place}));
    EXPECT_EQ(linux_path_reasons("/home/u/.cache/x"), (std::set<R>{R::hidden_directory}));
    EXPECT_TRUE(linux_path_reasons("/usr/bin/sleep").empty());
    EXPECT_TRUE(linux_path_reasons("/home/u/.bashrc").empty()) << "a dotfile is not a directory";
    EXPECT_TRUE(linux_path_reasons("/tmpfoo/x").empty());
    EXPECT_TRUE(linux_path_reasons("tmp/x").empty()) << "relative: not a kernel path";
    EXPECT_TRUE(linux_path_reasons("/usr/../tmp").empty()) << "'..' is not hidden";
}

TEST(SpecimenPaths, WindowsUserWritablePlacesAreTemporary) {
    const std::set<R> temp{R::temporary_place};
    EXPECT_EQ(windows_path_reasons(R"(C:\Users\alice\AppData\Local\Temp\x.exe)"), temp);
    EXPECT_EQ(windows_path_reasons(R"(C:\Windows\Temp\x.exe)"), temp);
    EXPECT_EQ(windows_path_reasons(R"(c:\windows\TEMP\sub\x.dll)"), temp) << "any case";
    EXPECT_EQ(windows_path_reasons("C:/Users/bob/AppData/Roaming/x.exe"), temp) << "slashes";
    EXPECT_EQ(windows_path_reasons(R"(C:\ProgramData\x\y.exe)"), temp);
    EXPECT_EQ(windows_path_reasons(R"(C:\Users\bob\Downloads\setup.exe)"), temp);
    EXPECT_EQ(windows_path_reasons(R"(C:\$Recycle.Bin\S-1-5-21-1\$R1.exe)"), temp);
    EXPECT_EQ(windows_path_reasons(
                  R"(C:\ProgramData\Microsoft\Windows\Start Menu\Programs\StartUp\a.exe)"),
              temp);
    EXPECT_EQ(
        windows_path_reasons(
            R"(C:\Users\u\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\a.exe)"),
        temp);
    EXPECT_EQ(windows_path_reasons(R"(\\?\C:\Windows\Temp\x.exe)"), temp) << "long-path prefix";
    EXPECT_TRUE(windows_path_reasons(R"(C:\Windows\System32\kernel32.dll)").empty());
    EXPECT_TRUE(windows_path_reasons(R"(C:\Program Files\App\app.exe)").empty());
    EXPECT_TRUE(windows_path_reasons(R"(C:\Tempest\x.exe)").empty()) << "a whole component";
    EXPECT_TRUE(windows_path_reasons(R"(C:\MyTemp\x.exe)").empty());
    EXPECT_TRUE(windows_path_reasons(R"(C:\Windows\Temp)").empty()) << "the directory itself";
    EXPECT_TRUE(windows_path_reasons("").empty());
}

TEST(FilesTable, GlobMatchesOneComponent) {
    EXPECT_TRUE(glob_match("*", "crontab"));
    EXPECT_TRUE(glob_match("*.service", "ssh.service"));
    EXPECT_FALSE(glob_match("*.service", "ssh.service.d"));
    EXPECT_TRUE(glob_match("a?c", "abc"));
    EXPECT_FALSE(glob_match("a?c", "ac"));
    EXPECT_TRUE(glob_match("*a*b*", "xxaxxbxx"));
    EXPECT_FALSE(glob_match("", "x"));
    EXPECT_TRUE(glob_match("*", "*.x")) << "a literal '*' in a name (found by the fuzzer)";
    // Linear, not exponential, on a hostile name.
    EXPECT_FALSE(glob_match("*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST(FilesTable, EveryRuleIsWellFormedAndNoSecretIsCopied) {
    for (const auto& r : file_rules()) {
        EXPECT_TRUE(r.os == "linux" || r.os == "windows") << r.pattern;
        EXPECT_FALSE(r.pattern.empty());
        EXPECT_NE(r.pattern.front(), '/') << "patterns are relative to the root: " << r.pattern;
        EXPECT_EQ(r.pattern.find(".."), std::string::npos) << r.pattern;
        EXPECT_FALSE(r.why.empty()) << r.pattern;
        EXPECT_EQ(r.pattern.find("shadow"), std::string::npos) << r.pattern;
        EXPECT_EQ(r.pattern.find("id_"), std::string::npos) << "private keys: " << r.pattern;
        EXPECT_EQ(r.pattern.find("ssh_host"), std::string::npos) << r.pattern;
    }
}

TEST(FilesTable, MemberNamesAreAsciiAndRoundTrip) {
    EXPECT_EQ(member_name_for("etc/crontab"), "etc/crontab");
    EXPECT_EQ(member_name_for("Users/a b/x"), "Users/a b/x");
    EXPECT_EQ(member_name_for("home/\xc3\xa9/\n%"), "home/%C3%A9/%0A%25");
    EXPECT_EQ(member_name_for("a\\b"), "a%5Cb");
}

TEST(ExtractTarget, SpecimensByDigestAndFilesBySafeRelativePaths) {
    const std::string sha(64, 'a');
    EXPECT_EQ(extract_target({"samples", "", sha, "", ""}), "specimens/" + sha);
    EXPECT_EQ(extract_target({"samples", "", "../x", "", ""}), "");
    EXPECT_EQ(extract_target({"files", "", "etc/crontab", "", ""}), "files/etc/crontab");
    for (const char* bad : {"/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "", "a/", "a\x01"}) {
        EXPECT_EQ(extract_target({"files", "", bad, "", ""}), "") << bad;
    }
}

}  // namespace
}  // namespace irsnap::collectors
