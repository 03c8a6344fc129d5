// SPDX-License-Identifier: Apache-2.0
// Physical memory's pure parts over literal input: /proc/iomem's System RAM ranges, /proc/kcore's
// program headers, the LiME range header, and reading physical addresses through a file laid out
// like kcore (segments out of order, a gap, a segment without a physical address).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "fixture_util.hpp"
#include "irsnap/lime.hpp"
#include "irsnap/linux/physical_memory_map.hpp"
#include "kcore_builder.hpp"
#include "physical_memory/physical_source_linux.hpp"

namespace irsnap {
namespace {

using physmem::PhysicalRange;
using test::TempDir;

TEST(Iomem, TopLevelSystemRamRangesWithExclusiveEnds) {
    const auto ram = physmem::parse_iomem_system_ram(
        "00000000-00000fff : Reserved\n"
        "00001000-0009fbff : System RAM\n"
        "000a0000-000bffff : PCI Bus 0000:00\n"
        "00100000-1ffdffff : System RAM\n"
        "  01000000-01e03b86 : Kernel code\n"
        "  1e000000-1fffffff : System RAM\n"  // nested: not a range of its own
        "fffc0000-ffffffff : Reserved\n"
        "100000000-17fffffff : System RAM\n");
    EXPECT_FALSE(ram.addresses_hidden);
    EXPECT_EQ(ram.malformed, 0u);
    EXPECT_EQ(ram.ranges,
              (std::vector<PhysicalRange>{
                  {0x1000, 0x9fc00}, {0x100000, 0x1ffe0000}, {0x100000000, 0x180000000}}));
}

TEST(Iomem, AddressesHiddenFromAnUnprivilegedReaderAreSaidNotGuessed) {
    const auto ram = physmem::parse_iomem_system_ram(
        "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n");
    EXPECT_TRUE(ram.addresses_hidden);
    EXPECT_TRUE(ram.ranges.empty());
}

TEST(Iomem, MalformedAndOverlappingLinesAreCountedAndLeftOut) {
    const auto ram = physmem::parse_iomem_system_ram(
        "zz-10 : System RAM\n"
        "2000-1000 : System RAM\n"
        "no colon here\n"
        "1000-1fff : System RAM\n"
        "1800-2fff : System RAM\n"
        "0-ffffffffffffffff : System RAM\n"
        "10000-1ffff : System RAMX\n");
    EXPECT_EQ(ram.ranges, (std::vector<PhysicalRange>{{0x1000, 0x2000}}));
    EXPECT_EQ(ram.malformed, 5u);
}

TEST(Kcore, ProgramHeadersWithAPhysicalAddressAreTheSegmentsLargestFirst) {
    const std::string kcore = test::fake_kcore({{0x100000, std::string(4096, 'a')},
                                                {UINT64_MAX, std::string(4096, 'v')},
                                                {0x200000, std::string(8192, 'b')}});
    std::string error;
    const auto span = physmem::kcore_header_span(kcore.substr(0, 64), error);
    ASSERT_TRUE(span) << error;
    EXPECT_EQ(*span, 64u + 3 * 56);
    const auto segments = physmem::parse_kcore_segments(kcore.substr(0, *span), error);
    ASSERT_TRUE(segments) << error;
    ASSERT_EQ(segments->size(), 2u);
    EXPECT_EQ((*segments)[0], (physmem::KcoreSegment{0x200000, 4096 * 3, 8192}));
    EXPECT_EQ((*segments)[1], (physmem::KcoreSegment{0x100000, 4096, 4096}));
    EXPECT_EQ(physmem::segment_holding(*segments, 0x201fff), &(*segments)[0]);
    EXPECT_EQ(physmem::segment_holding(*segments, 0x101000), nullptr);
}

TEST(Kcore, OnlySegmentsInsideSystemRamAreRam) {
    const std::vector<PhysicalRange> ram = {{0x1000, 0x9fc00}, {0x100000, 0x40000000}};
    const std::vector<physmem::KcoreSegment> segments = {
        {0x100000, 0x10000000, 0x3ff00000},  // the direct map of the second range
        {0x1000, 0x20000000, 0x9e000},       // the first range, whole pages only
        {0x1000000, 0x30000000, 0x2000000},  // the kernel text, inside the direct map
        {0, 0x40000000, 1ull << 40},         // vmalloc as a kernel before 4.11 described it
        {0x40000000, 0x50000000, 0x1000},    // beyond RAM
    };
    const auto kept = physmem::segments_in_ram(segments, ram, 4096);
    ASSERT_EQ(kept.size(), 3u);
    EXPECT_EQ(kept[0], segments[0]);
    EXPECT_EQ(kept[1], segments[1]);
    EXPECT_EQ(kept[2], segments[2]);
    // The text segment overlaps the direct map: its bytes are counted once.
    EXPECT_EQ(physmem::mapped_bytes(ram[1], kept), 0x3ff00000u);
    EXPECT_EQ(physmem::mapped_bytes(ram[0], kept), 0x9e000u);
    // Every p_paddr 0 (Linux before 4.11): nothing is RAM, nothing passes for address 0.
    const std::vector<physmem::KcoreSegment> old_kernel = {{0, 0x10000000, 0x40000000},
                                                           {0, 0x40000000, 1ull << 40}};
    EXPECT_TRUE(physmem::segments_in_ram(old_kernel, ram, 4096).empty());
}

TEST(Kcore, WhatIsNotAKcoreHeaderIsRefusedWithAReason) {
    std::string error;
    EXPECT_FALSE(physmem::kcore_header_span("not an elf file at all, not at all", error));
    EXPECT_NE(error.find("ELF64"), std::string::npos) << error;
    std::string kcore = test::fake_kcore({{0x1000, "x"}});
    kcore[16] = ET_EXEC;  // e_type
    EXPECT_FALSE(physmem::kcore_header_span(kcore, error));
    EXPECT_NE(error.find("not a core"), std::string::npos) << error;
    kcore = test::fake_kcore({{0x1000, "x"}});
    EXPECT_FALSE(physmem::parse_kcore_segments(kcore.substr(0, 70), error));
    EXPECT_NE(error.find("only 70 bytes"), std::string::npos) << error;
}

TEST(Lime, RangeHeaderLayoutAndRoundTrip) {
    const std::string h = lime::range_header(0x100000, 0x200000);
    ASSERT_EQ(h.size(), 32u);
    EXPECT_EQ(h.substr(0, 8), std::string("EMiL\x01\0\0\0", 8));
    EXPECT_EQ(h.substr(8, 8), std::string("\0\0\x10\0\0\0\0\0", 8));
    EXPECT_EQ(h.substr(16, 8), std::string("\xff\xff\x1f\0\0\0\0\0", 8));  // inclusive end
    EXPECT_EQ(h.substr(24), std::string(8, '\0'));
    const auto back = lime::read_range_header(h);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->start, 0x100000u);
    EXPECT_EQ(back->end, 0x200000u);
    EXPECT_FALSE(lime::read_range_header(h.substr(0, 31)));
    EXPECT_FALSE(lime::read_range_header(std::string(32, 'x')));
}

TEST(PhysicalRead, ReadsAcrossSegmentsAndStopsShortAtAGap) {
    TempDir tmp("irsnap-kcore");
    const auto path = tmp.path() / "kcore";
    std::ofstream(path, std::ios::binary)
        << test::fake_kcore({{0x3000, std::string(4096, 'c')}, {0x1000, std::string(8192, 'a')}});
    collectors::PhysicalSource source;
    source.fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(source.fd);
    std::string error;
    std::string header(4096, '\0');
    ASSERT_GT(::pread(source.fd.get(), header.data(), header.size(), 0), 0);
    source.segments = *physmem::parse_kcore_segments(header, error);
    source.translated = true;
    std::string buffer(3 * 4096, '\0');
    // 0x2800..0x4000 spans the end of the first segment and all of the second.
    EXPECT_EQ(collectors::read_physical(source, 0x2800, buffer.data(), 0x1800), 0x1800);
    EXPECT_EQ(buffer.substr(0, 0x800), std::string(0x800, 'a'));
    EXPECT_EQ(buffer.substr(0x800, 0x1000), std::string(0x1000, 'c'));
    // Nothing maps 0x4000: a read from 0x3800 stops there.
    EXPECT_EQ(collectors::read_physical(source, 0x3800, buffer.data(), 0x1000), 0x800);
    EXPECT_EQ(collectors::read_physical(source, 0x4000, buffer.data(), 0x1000), 0);
}

}  // namespace
}  // namespace irsnap
