// SPDX-License-Identifier: Apache-2.0
// Unit tests for the kernel module parsers (/proc/modules, taint mask, modules.dep) with literal
// text, and the kernel_modules collector over the "kmods" fixture tree.
#include <gtest/gtest.h>

#include <string>

#include "irsnap/linux/proc_modules.hpp"

using namespace irsnap::procfs;

namespace {

TEST(ProcModules, LinesWithAndWithoutTaint) {
    size_t malformed = 9;
    auto m = parse_proc_modules(
        "nvidia_uvm 1384448 0 - Live 0xffffffffc1a5e000 (POE)\n"
        "ext4 1003520 2 - Live 0xffffffffc0a2a000\n"
        "jbd2 192512 1 ext4, Live 0xffffffffc09f0000\n"
        "mbcache 16384 2 ext4,jbd2, Live 0x0000000000000000\n"
        "ipv6 606208 30 [permanent], Live 0xffffffffc0800000\n"
        "coming 4096 0 - Loading 0xffffffffc0700000 (O+)\n",
        &malformed);
    EXPECT_EQ(malformed, 0u);
    ASSERT_EQ(m.size(), 6u);
    EXPECT_EQ(m[0].name, "nvidia_uvm");
    EXPECT_EQ(m[0].size, 1384448u);
    EXPECT_EQ(m[0].refcount, 0);
    EXPECT_TRUE(m[0].used_by.empty());
    EXPECT_EQ(m[0].state, "Live");
    EXPECT_EQ(m[0].address, "0xffffffffc1a5e000");
    EXPECT_EQ(m[0].taint, "POE");
    EXPECT_EQ(m[1].taint, "");
    EXPECT_EQ(m[2].used_by, std::vector<std::string>{"ext4"});
    EXPECT_EQ(m[3].used_by, (std::vector<std::string>{"ext4", "jbd2"}));
    EXPECT_FALSE(m[3].address.has_value());  // zeroes: hidden from non-root
    EXPECT_TRUE(m[4].permanent);
    EXPECT_TRUE(m[4].used_by.empty());
    EXPECT_EQ(m[5].state, "Loading");
    EXPECT_EQ(m[5].taint, "O+");
}

TEST(ProcModules, NoUnloadSupportAndMalformedLines) {
    size_t malformed = 0;
    auto m = parse_proc_modules(
        "noload 4096 - - Live 0xffffffffc0000000\n"
        "short 4096 0 -\n"
        "badsize 4k 0 - Live 0xffffffffc0000000\n"
        "badaddr 4096 0 - Live ffffffffc0000000\n"
        "badtaint 4096 0 - Live 0xffffffffc0000000 OE\n"
        "\n",
        &malformed);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_FALSE(m[0].refcount.has_value());
    EXPECT_EQ(malformed, 4u);
}

TEST(KernelTaint, DecodesEveryBitByTheKernelsTable) {
    auto flags = decode_kernel_taint(4097);  // bit 0 (P) + bit 12 (O)
    ASSERT_EQ(flags.size(), 2u);
    EXPECT_EQ(flags[0].bit, 0u);
    EXPECT_EQ(flags[0].letter, 'P');
    EXPECT_EQ(flags[1].bit, 12u);
    EXPECT_EQ(flags[1].letter, 'O');
    EXPECT_NE(flags[1].meaning.find("out-of-tree"), std::string::npos);

    std::string letters;
    for (const auto& f : decode_kernel_taint((uint64_t{1} << 20) - 1)) letters += f.letter;
    EXPECT_EQ(letters, "PFSRMBUDAWCIOELKXTNJ");
    EXPECT_TRUE(decode_kernel_taint(0).empty());
    auto unknown = decode_kernel_taint(uint64_t{1} << 40);
    ASSERT_EQ(unknown.size(), 1u);
    EXPECT_EQ(unknown[0].letter, '?');
    EXPECT_EQ(parse_proc_sys_kernel_tainted("12288\n"), 12288u);
    EXPECT_FALSE(parse_proc_sys_kernel_tainted("x\n").has_value());
    EXPECT_FALSE(parse_proc_sys_kernel_tainted("").has_value());
}

TEST(ModulesDep, NamesNormaliseAndCompressedFilesCount) {
    size_t malformed = 0;
    auto dep = parse_modules_dep(
        "kernel/fs/ext4/ext4.ko.zst: kernel/fs/mbcache.ko.zst kernel/fs/jbd2/jbd2.ko.zst\n"
        "kernel/drivers/hid/hid-generic.ko.xz: kernel/drivers/hid/hid.ko.xz\n"
        "updates/dkms/evil-mod.ko:\n"
        "/opt/extra/abs.ko.gz:\n"
        "kernel/fs/ext4/ext4.ko: duplicate-ignored\n"
        "no colon here.ko\n"
        "kernel/readme.txt:\n"
        "kernel/x.kobj:\n",
        &malformed);
    EXPECT_EQ(malformed, 3u);
    ASSERT_EQ(dep.size(), 4u);
    EXPECT_EQ(dep["ext4"], "kernel/fs/ext4/ext4.ko.zst");
    EXPECT_EQ(dep["hid_generic"], "kernel/drivers/hid/hid-generic.ko.xz");
    EXPECT_EQ(dep["evil_mod"], "updates/dkms/evil-mod.ko");
    EXPECT_EQ(dep["abs"], "/opt/extra/abs.ko.gz");
    EXPECT_EQ(normalise_module_name("snd-hda_intel"), "snd_hda_intel");
}

}  // namespace
