// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "irsnap/windows/win_driver_path.hpp"

using irsnap::win::normalize_driver_path;

namespace {

constexpr const char* k_windir = "C:\\Windows";

TEST(WinDriverPath, SystemRootIsTheWindowsDirectory) {
    EXPECT_EQ(normalize_driver_path("\\SystemRoot\\system32\\drivers\\tcpip.sys", k_windir),
              "C:\\Windows\\system32\\drivers\\tcpip.sys");
    EXPECT_EQ(normalize_driver_path("\\systemroot\\System32\\ntoskrnl.exe", "D:\\WINNT\\"),
              "D:\\WINNT\\System32\\ntoskrnl.exe");
    // A name that only starts like SystemRoot is not it.
    EXPECT_EQ(normalize_driver_path("\\SystemRootKit\\x.sys", k_windir),
              "C:\\SystemRootKit\\x.sys");
}

TEST(WinDriverPath, DosDevicePrefixesAreStripped) {
    EXPECT_EQ(normalize_driver_path("\\??\\C:\\Program Files\\Vendor\\v.sys", k_windir),
              "C:\\Program Files\\Vendor\\v.sys");
    EXPECT_EQ(normalize_driver_path("\\\\?\\E:\\drv\\x.sys", k_windir), "E:\\drv\\x.sys");
    EXPECT_EQ(normalize_driver_path("\\??\\UNC\\server\\share\\x.sys", k_windir),
              "\\\\server\\share\\x.sys");
    EXPECT_EQ(normalize_driver_path("\\??\\Volume{1234}\\x.sys", k_windir), std::nullopt);
}

TEST(WinDriverPath, RootedPathsAreOnTheSystemDrive) {
    EXPECT_EQ(normalize_driver_path("\\Windows\\System32\\drivers\\x.sys", k_windir),
              "C:\\Windows\\System32\\drivers\\x.sys");
    EXPECT_EQ(normalize_driver_path("\\Device\\HarddiskVolume3\\x.sys", k_windir), std::nullopt);
}

TEST(WinDriverPath, RelativePathsAreUnderTheWindowsDirectory) {
    EXPECT_EQ(normalize_driver_path("system32\\drivers\\null.sys", k_windir),
              "C:\\Windows\\system32\\drivers\\null.sys");
    EXPECT_EQ(normalize_driver_path("system32/drivers/x.sys", k_windir),
              "C:\\Windows\\system32\\drivers\\x.sys");
}

TEST(WinDriverPath, Win32PathsAreKept) {
    EXPECT_EQ(normalize_driver_path("C:\\drivers\\x.sys", k_windir), "C:\\drivers\\x.sys");
    EXPECT_EQ(normalize_driver_path("\\\\server\\share\\x.sys", k_windir),
              "\\\\server\\share\\x.sys");
}

TEST(WinDriverPath, NothingToWorkWith) {
    EXPECT_EQ(normalize_driver_path("", k_windir), std::nullopt);
    EXPECT_EQ(normalize_driver_path("\\SystemRoot\\x.sys", ""), std::nullopt);
    EXPECT_EQ(normalize_driver_path("x.sys", ""), std::nullopt);
}

}  // namespace
