// SPDX-License-Identifier: Apache-2.0
// FILETIME (100 ns since 1601, UTC) is the unit of every Windows timestamp we record.
#include <windows.h>

#include <gtest/gtest.h>

#include "irsnap/windows/nt_process.hpp"

namespace irsnap::win {
namespace {

TEST(WinTime, FiletimeEpochsAndAKnownInstant) {
    EXPECT_EQ(filetime_to_unix_ns(116'444'736'000'000'000), 0);
    // 2024-02-29T12:00:00Z = 1709208000 s since 1970.
    EXPECT_EQ(filetime_to_unix_ns(116'444'736'000'000'000 + 17'092'080'000'000'000),
              1'709'208'000'000'000'000);
}

TEST(WinTime, AgreesWithTheSystemsOwnConversion) {
    SYSTEMTIME st{};
    st.wYear = 2026;
    st.wMonth = 11;
    st.wDay = 22;
    st.wHour = 10;
    st.wMinute = 30;
    st.wSecond = 15;
    st.wMilliseconds = 250;
    FILETIME ft{};
    ASSERT_TRUE(SystemTimeToFileTime(&st, &ft));
    const int64_t count = (static_cast<int64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
    // 2026-11-22T10:30:15.250Z
    EXPECT_EQ(filetime_to_unix_ns(count), 1'795'343'415'250'000'000);
}

TEST(WinTime, IntegrityLevelNames) {
    EXPECT_EQ(integrity_name(0x0000), "untrusted");
    EXPECT_EQ(integrity_name(0x1000), "low");
    EXPECT_EQ(integrity_name(0x2000), "medium");
    EXPECT_EQ(integrity_name(0x3000), "high");
    EXPECT_EQ(integrity_name(0x2100), "medium_plus");
    EXPECT_EQ(integrity_name(0x4000), "system");
    EXPECT_EQ(integrity_name(0x5000), "protected");
}

}  // namespace
}  // namespace irsnap::win
