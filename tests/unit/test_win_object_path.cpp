// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "irsnap/windows/win_object_path.hpp"

using irsnap::win::DosDevice;
using irsnap::win::file_object_type;
using irsnap::win::nt_path_to_win32;

namespace {

const std::vector<DosDevice> k_drives{
    {"C:", "\\Device\\HarddiskVolume3"},
    {"D:", "\\Device\\HarddiskVolume30"},
    {"E:", "\\Device\\CdRom0"},
};

TEST(WinObjectPath, DriveTargetsBecomeDriveLetters) {
    EXPECT_EQ(nt_path_to_win32("\\Device\\HarddiskVolume3\\Windows\\notepad.exe", k_drives),
              "C:\\Windows\\notepad.exe");
    // Volume3 is a string prefix of Volume30 but not a component prefix.
    EXPECT_EQ(nt_path_to_win32("\\Device\\HarddiskVolume30\\data\\x.db", k_drives),
              "D:\\data\\x.db");
    EXPECT_EQ(nt_path_to_win32("\\device\\harddiskvolume3\\x", k_drives), "C:\\x");
    EXPECT_EQ(nt_path_to_win32("\\Device\\HarddiskVolume3", k_drives), "C:\\");
    EXPECT_EQ(nt_path_to_win32("\\Device\\HarddiskVolume4\\x", k_drives), std::nullopt);
}

TEST(WinObjectPath, RedirectorsBecomeUnc) {
    EXPECT_EQ(nt_path_to_win32("\\Device\\Mup\\srv\\share\\f.txt", k_drives),
              "\\\\srv\\share\\f.txt");
    EXPECT_EQ(nt_path_to_win32("\\Device\\LanmanRedirector\\;Z:00000000000a1b2c\\srv\\share\\f",
                               k_drives),
              "\\\\srv\\share\\f");
    EXPECT_EQ(nt_path_to_win32("\\Device\\Mup", k_drives), std::nullopt);
}

TEST(WinObjectPath, DosDevicePrefixes) {
    EXPECT_EQ(nt_path_to_win32("\\??\\C:\\tmp\\x", {}), "C:\\tmp\\x");
    EXPECT_EQ(nt_path_to_win32("\\??\\UNC\\srv\\share", {}), "\\\\srv\\share");
}

TEST(WinObjectPath, PipesAndDevicesHaveNoPath) {
    EXPECT_EQ(nt_path_to_win32("\\Device\\NamedPipe\\lsass", k_drives), std::nullopt);
    EXPECT_EQ(nt_path_to_win32("\\Device\\Afd", k_drives), std::nullopt);
    EXPECT_EQ(nt_path_to_win32("", k_drives), std::nullopt);
}

TEST(WinObjectPath, FileObjectTypes) {
    EXPECT_EQ(file_object_type("\\Device\\NamedPipe\\lsass", false), "pipe");
    EXPECT_EQ(file_object_type("\\Device\\NamedPipe", false), "pipe");
    EXPECT_EQ(file_object_type("\\Device\\Mailslot\\x", false), "pipe");
    EXPECT_EQ(file_object_type("\\Device\\Afd\\Endpoint", false), "socket");
    EXPECT_EQ(file_object_type("\\Device\\Afd", false), "socket");
    EXPECT_EQ(file_object_type("\\Device\\AfdX", false), "char_device");
    EXPECT_EQ(file_object_type("\\Device\\HarddiskVolume3\\x", true), "file");
    EXPECT_EQ(file_object_type("\\Device\\ConDrv\\Connect", false), "char_device");
    EXPECT_EQ(file_object_type("", false), "unknown");
}

}  // namespace
