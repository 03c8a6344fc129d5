// SPDX-License-Identifier: Apache-2.0
// Unit tests for the /proc/PID/maps parser: literal lines shaped like what the kernel writes
// (padding, names with spaces, " (deleted)", memfds, special regions), malformed lines, and this
// process's own maps.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "fixture_util.hpp"
#include "irsnap/linux/proc_maps.hpp"

using namespace irsnap::procfs;
using namespace std::string_literals;

namespace {

TEST(ProcMaps, FileBackedLineWithPadding) {
    size_t malformed = 99;
    auto e = parse_proc_pid_maps(
        "7f1479b46000-7f1479c9c000 r-xp 00026000 fe:00 332835                     "
        "/usr/lib/x86_64-linux-gnu/libc.so.6\n",
        &malformed);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(malformed, 0u);
    EXPECT_EQ(e[0].start, 0x7f1479b46000u);
    EXPECT_EQ(e[0].end, 0x7f1479c9c000u);
    EXPECT_EQ(e[0].size(), 0x7f1479c9c000u - 0x7f1479b46000u);
    EXPECT_EQ(e[0].perms, "r-xp");
    EXPECT_TRUE(e[0].executable());
    EXPECT_FALSE(e[0].writable());
    EXPECT_EQ(e[0].offset, 0x26000u);
    EXPECT_EQ(e[0].dev_major, 0xfeu);  // hex in maps
    EXPECT_EQ(e[0].dev_minor, 0u);
    EXPECT_EQ(e[0].inode, 332835u);
    EXPECT_EQ(e[0].pathname, "/usr/lib/x86_64-linux-gnu/libc.so.6");
    EXPECT_EQ(maps_backing(e[0].pathname), MapsBacking::file);
}

TEST(ProcMaps, PathWithSpacesAndTrailingSpaceIsKeptWhole) {
    auto e = parse_proc_pid_maps(
        "00400000-00401000 r-xp 00000000 08:01 42                         /opt/my app/lib  x.so "
        "\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].pathname, "/opt/my app/lib  x.so ");
}

TEST(ProcMaps, DeletedAndMemfdKeepTheKernelsText) {
    auto e = parse_proc_pid_maps(
        "7f0000000000-7f0000001000 r-xp 00000000 fd:01 1234    /tmp/dropper (deleted)\n"
        "7f0000001000-7f0000002000 r-xp 00001000 00:01 5678    /memfd:payload (deleted)\n"
        "7f0000002000-7f0000003000 r-xp 00000000 00:01 5679    /memfd: (deleted)\n");
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0].pathname, "/tmp/dropper (deleted)");
    EXPECT_FALSE(is_memfd_pathname(e[0].pathname));
    EXPECT_EQ(e[1].pathname, "/memfd:payload (deleted)");
    EXPECT_TRUE(is_memfd_pathname(e[1].pathname));
    EXPECT_EQ(maps_backing(e[1].pathname), MapsBacking::file);
    EXPECT_TRUE(is_memfd_pathname(e[2].pathname));
    EXPECT_FALSE(is_memfd_pathname("/tmp/memfd:x"));
}

TEST(ProcMaps, SpecialAndAnonymousRegions) {
    auto e = parse_proc_pid_maps(
        "55e7537ff000-55e753820000 rw-p 00000000 00:00 0                          [heap]\n"
        "7f1479a9d000-7f1479abf000 rwxp 00000000 00:00 0 \n"
        "7f1479a9e000-7f1479abf000 r-xp 00000000 00:00 0\n"
        "7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]\n"
        "7ffd1c1f0000-7ffd1c1f2000 r-xp 00000000 00:00 0                          [vdso]\n"
        "7ffd1c1ec000-7ffd1c1f0000 r--p 00000000 00:00 0                          [vvar]\n"
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
        "7f0000000000-7f0000001000 r-xp 00000000 00:00 0                          [anon:jit]\n"
        "7f0000001000-7f0000002000 rw-s 00000000 00:01 77                         /dev/zero "
        "(deleted)\n");
    ASSERT_EQ(e.size(), 9u);
    EXPECT_EQ(maps_backing(e[0].pathname), MapsBacking::anonymous);
    EXPECT_EQ(e[1].pathname, "");  // trailing padding is not a name
    EXPECT_EQ(e[1].perms, "rwxp");
    EXPECT_TRUE(e[1].writable() && e[1].executable());
    EXPECT_EQ(maps_backing(e[1].pathname), MapsBacking::anonymous);
    EXPECT_EQ(e[2].pathname, "");  // no trailing space at all
    EXPECT_EQ(maps_backing(e[3].pathname), MapsBacking::anonymous);
    EXPECT_EQ(maps_backing(e[4].pathname), MapsBacking::kernel);
    EXPECT_EQ(maps_backing(e[5].pathname), MapsBacking::kernel);
    EXPECT_EQ(maps_backing(e[6].pathname), MapsBacking::kernel);
    EXPECT_EQ(e[6].start, 0xffffffffff600000u);
    EXPECT_EQ(maps_backing(e[7].pathname), MapsBacking::anonymous);  // named by the process
    EXPECT_EQ(e[8].perms, "rw-s");
    EXPECT_EQ(maps_backing(e[8].pathname), MapsBacking::file);
}

TEST(ProcMaps, MalformedLinesAreCountedNotThrown) {
    size_t malformed = 0;
    auto e = parse_proc_pid_maps(
        "garbage\n"
        "00400000 r-xp 00000000 08:01 42 /a\n"            // no range dash
        "00401000-00400000 r-xp 00000000 08:01 42 /b\n"   // end before start
        "00400000-00401000 rwzp 00000000 08:01 42 /c\n"   // bad perms
        "00400000-00401000 r-xp 0000zz00 08:01 42 /d\n"   // bad offset
        "00400000-00401000 r-xp 00000000 0801 42 /e\n"    // bad device
        "00400000-00401000 r-xp 00000000 08:01 4x2 /f\n"  // bad inode
        "00400000-00401000 r-xp 00000000 08:01\n"         // truncated
        "\n"                                              // blank: not counted
        "00400000-00401000 r-xp 00000000 08:01 42 /ok\n"
        "00400000-00401000 r-xp 00000000 08:01 42 /no-newline-at-end",
        &malformed);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(malformed, 8u);
    EXPECT_EQ(e[0].pathname, "/ok");
    EXPECT_EQ(e[1].pathname, "/no-newline-at-end");
    EXPECT_TRUE(parse_proc_pid_maps("").empty());
}

TEST(ProcMaps, OwnMapsParseCompletelyAndShowOurExecutable) {
    const std::string text = irsnap::test::read_text_file("/proc/self/maps");
    size_t malformed = 1;
    auto entries = parse_proc_pid_maps(text, &malformed);
    EXPECT_EQ(malformed, 0u);
    ASSERT_FALSE(entries.empty());
    bool executable_file = false;
    for (const auto& e : entries) {
        executable_file =
            executable_file || (maps_backing(e.pathname) == MapsBacking::file && e.executable());
    }
    EXPECT_TRUE(executable_file);
}

}  // namespace
