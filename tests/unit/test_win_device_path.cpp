// SPDX-License-Identifier: Apache-2.0
// Windows paths that name a pipe or device, never opened as files (a planted hosts database
// path, task file or shortcut target must not connect to an attacker's pipe server).
#include <gtest/gtest.h>

#include <string>

#include "irsnap/windows/win_device_path.hpp"

namespace irsnap::win {
namespace {

TEST(WinDevicePath, DeviceNamespaceAndPipesAreRefused) {
    for (const char* p :
         {R"(\\.\pipe\evil)", R"(\\.\PhysicalDrive0)", R"(\\.\CONIN$)", R"(//./pipe/evil)",
          R"(\\?\GLOBALROOT\Device\Null)", R"(\\?\globalroot\device\harddiskvolume1\x)",
          R"(\\?\pipe\evil)", R"(\??\C:\Windows\x)", R"(\Device\NamedPipe\evil)",
          R"(\\localhost\pipe\evil)", R"(\\server\PIPE)", R"(\\srv\mailslot\m)",
          R"(\\?\UNC\localhost\pipe\evil)",
          R"(\\?\Volume{01234567-89ab-cdef-0123-456789abcdef})"}) {
        EXPECT_TRUE(is_device_path(p)) << p;
    }
}

TEST(WinDevicePath, FilesOnVolumesAndSharesAreAllowed) {
    for (const char* p :
         {R"(C:\Windows\System32\drivers\etc\hosts)", R"(c:/tasks/x.xml)", R"(\\?\C:\Windows\x)",
          R"(\\server\share\pipe\x)", R"(\\?\UNC\server\share\x)", R"(\\server\pipes\x)",
          R"(\\?\Volume{01234567-89ab-cdef-0123-456789abcdef}\dir\x)", R"(relative\file)", ""}) {
        EXPECT_FALSE(is_device_path(p)) << p;
    }
}

TEST(WinDevicePath, RemotePathsAreNeverOpened) {
    for (const char* p : {R"(\\attacker\share\x.exe)", R"(//attacker/share/x.exe)",
                          R"(\\?\UNC\attacker\share\x)", R"(\\?\unc\10.0.0.1\c$\x)"}) {
        EXPECT_TRUE(is_remote_path(p)) << p;
        EXPECT_NE(std::string(unsafe_path_reason(p)).find("remote"), std::string::npos) << p;
    }
    for (const char* p :
         {R"(C:\Windows\x.exe)", R"(\\?\C:\x)", R"(\\.\pipe\x)", R"(relative\x)", R"(\\)", ""}) {
        EXPECT_FALSE(is_remote_path(p)) << p;
    }
    EXPECT_STREQ(unsafe_path_reason(R"(C:\Windows\System32\drivers\etc\hosts)"), "");
    EXPECT_NE(std::string(unsafe_path_reason(R"(\\.\pipe\x)")).find("pipe"), std::string::npos);
}

}  // namespace
}  // namespace irsnap::win
