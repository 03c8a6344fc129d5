// SPDX-License-Identifier: Apache-2.0
// The minidump layout read back as a reader (WinDbg, minidump parsers) would: header, stream
// directory, each stream where the directory says, Memory64 ranges and their data offsets.
#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "memory/minidump_layout.hpp"

namespace irsnap::collectors::minidump {
namespace {

template <class T>
T read_at(const std::string& bytes, uint64_t at) {
    T value{};
    EXPECT_LE(at + sizeof(T), bytes.size());
    if (at + sizeof(T) <= bytes.size()) std::memcpy(&value, bytes.data() + at, sizeof(T));
    return value;
}

std::u16string read_string(const std::string& bytes, uint32_t rva) {
    const auto length = read_at<uint32_t>(bytes, rva);
    std::u16string out;
    for (uint32_t i = 0; i < length / 2; ++i) out += read_at<char16_t>(bytes, rva + 4 + 2 * i);
    EXPECT_EQ(read_at<uint16_t>(bytes, rva + 4 + length), 0);  // terminated
    return out;
}

DumpFacts sample_facts() {
    DumpFacts f;
    f.pid = 4242;
    f.time_date_stamp = 1'700'000'000;
    f.system.number_of_processors = 8;
    f.system.major_version = 10;
    f.system.build_number = 19045;
    // Ascending regions: a dumped heap, a reserved hole, a stack, a dumped image page, one
    // left out (budget).
    f.regions = {
        {0x10000, 0x10000, 0x3000, 0x04, 0x1000, 0x04, 0x20000, true},
        {0x13000, 0x10000, 0xd000, 0x04, 0x2000, 0, 0x20000, false},
        {0x200000, 0x100000, 0x8000, 0x04, 0x1000, 0x04, 0x20000, true},
        {0x7ff00000, 0x7ff00000, 0x1000, 0x80, 0x1000, 0x02, 0x1000000, true},
        {0x7ff01000, 0x7ff00000, 0x4000, 0x80, 0x1000, 0x20, 0x1000000, false},
    };
    ThreadFacts t;
    t.id = 77;
    t.teb = 0x3000000;
    t.stack_start = 0x206000;
    t.stack_size = 0x2000;
    t.context = std::string(1232, '\x5a');
    f.threads = {t};
    f.modules = {{0x7ff00000, 0x5000, 0x1234, 0x5f000000, u"C:\\x\\a.exe"}};
    return f;
}

TEST(MinidumpLayout, HeaderDirectoryAndStreamsReadBack) {
    const DumpFacts facts = sample_facts();
    const Layout layout = build_layout(facts);
    ASSERT_EQ(layout.pieces.size(), 4u);  // literal part + three dumped regions
    const std::string& bytes = layout.pieces[0].bytes;
    ASSERT_FALSE(layout.pieces[0].memory);
    EXPECT_EQ(bytes.substr(0, 4), "MDMP");
    const auto header = read_at<Header>(bytes, 0);
    EXPECT_EQ(header.version & 0xffff, 0xa793u);
    EXPECT_EQ(header.time_date_stamp, facts.time_date_stamp);
    ASSERT_EQ(header.number_of_streams, 6u);
    std::map<uint32_t, LocationDescriptor> streams;
    for (uint32_t i = 0; i < header.number_of_streams; ++i) {
        const auto d = read_at<Directory>(bytes, header.stream_directory_rva + i * 12);
        EXPECT_LE(uint64_t{d.location.rva} + d.location.data_size, bytes.size());
        streams[d.stream_type] = d.location;
    }
    for (uint32_t type : {3u, 4u, 7u, 9u, 15u, 16u}) EXPECT_TRUE(streams.count(type)) << type;

    const auto system = read_at<SystemInfo>(bytes, streams[7].rva);
    EXPECT_EQ(system.processor_architecture, 9);
    EXPECT_EQ(system.number_of_processors, 8);
    EXPECT_EQ(system.build_number, 19045u);
    EXPECT_EQ(read_string(bytes, system.csd_version_rva), u"");
    EXPECT_EQ(read_at<MiscInfo>(bytes, streams[15].rva).process_id, 4242u);

    EXPECT_EQ(read_at<uint32_t>(bytes, streams[4].rva), 1u);
    const auto module = read_at<Module>(bytes, streams[4].rva + 4);
    EXPECT_EQ(module.base_of_image, 0x7ff00000u);
    EXPECT_EQ(module.size_of_image, 0x5000u);
    EXPECT_EQ(module.checksum, 0x1234u);
    EXPECT_EQ(module.time_date_stamp, 0x5f000000u);
    EXPECT_EQ(read_string(bytes, module.module_name_rva), u"C:\\x\\a.exe");

    const auto info = read_at<MemoryInfoListHeader>(bytes, streams[16].rva);
    EXPECT_EQ(info.size_of_header, 16u);
    EXPECT_EQ(info.size_of_entry, 48u);
    ASSERT_EQ(info.number_of_entries, 5u);  // every region, dumped or not
    const auto second = read_at<MemoryInfo>(bytes, streams[16].rva + 16 + 48);
    EXPECT_EQ(second.base_address, 0x13000u);
    EXPECT_EQ(second.state, 0x2000u);
    EXPECT_EQ(streams[16].data_size, 16u + 5 * 48);
}

TEST(MinidumpLayout, Memory64ListNamesTheDumpedRangesInFileOrder) {
    const DumpFacts facts = sample_facts();
    const Layout layout = build_layout(facts);
    const std::string& bytes = layout.pieces[0].bytes;
    const auto header = read_at<Header>(bytes, 0);
    LocationDescriptor memory64{};
    for (uint32_t i = 0; i < header.number_of_streams; ++i) {
        const auto d = read_at<Directory>(bytes, header.stream_directory_rva + i * 12);
        if (d.stream_type == 9) memory64 = d.location;
    }
    const auto list = read_at<Memory64ListHeader>(bytes, memory64.rva);
    ASSERT_EQ(list.number_of_memory_ranges, 3u);
    EXPECT_EQ(memory64.data_size, 16u + 3 * 16);
    // The data follows the literal part directly, range after range.
    EXPECT_EQ(list.base_rva, bytes.size());
    const uint64_t expected[3][2] = {{0x10000, 0x3000}, {0x200000, 0x8000}, {0x7ff00000, 0x1000}};
    for (int i = 0; i < 3; ++i) {
        const auto d = read_at<MemoryDescriptor64>(bytes, memory64.rva + 16 + i * 16);
        EXPECT_EQ(d.start_of_memory_range, expected[i][0]);
        EXPECT_EQ(d.data_size, expected[i][1]);
        const DumpPiece& piece = layout.pieces[1 + i];
        EXPECT_TRUE(piece.memory);
        EXPECT_EQ(piece.address, expected[i][0]);
        EXPECT_EQ(piece.size, expected[i][1]);
    }
    EXPECT_EQ(layout.region_piece, (std::vector<size_t>{0, npos, 1, 2, npos}));
}

TEST(MinidumpLayout, ThreadStackAndContextPointIntoTheFile) {
    const DumpFacts facts = sample_facts();
    const Layout layout = build_layout(facts);
    const std::string& bytes = layout.pieces[0].bytes;
    const auto header = read_at<Header>(bytes, 0);
    uint32_t thread_rva = 0;
    for (uint32_t i = 0; i < header.number_of_streams; ++i) {
        const auto d = read_at<Directory>(bytes, header.stream_directory_rva + i * 12);
        if (d.stream_type == 3) thread_rva = d.location.rva;
    }
    ASSERT_EQ(read_at<uint32_t>(bytes, thread_rva), 1u);
    const auto thread = read_at<Thread>(bytes, thread_rva + 4);
    EXPECT_EQ(thread.thread_id, 77u);
    EXPECT_EQ(thread.teb, 0x3000000u);
    EXPECT_EQ(thread.thread_context.data_size, 1232u);
    EXPECT_EQ(thread.thread_context.rva % 16, 0u);
    EXPECT_EQ(bytes.substr(thread.thread_context.rva, 1232), facts.threads[0].context);
    // The stack at 0x206000 lies 0x6000 into the second dumped region, which starts after the
    // first (0x3000 bytes) at the base RVA.
    EXPECT_EQ(thread.stack.start_of_memory_range, 0x206000u);
    EXPECT_EQ(thread.stack.memory.data_size, 0x2000u);
    EXPECT_EQ(thread.stack.memory.rva, bytes.size() + 0x3000 + 0x6000);
    EXPECT_EQ(layout.stacks_referenced, 1u);
}

TEST(MinidumpLayout, StackOutsideEveryDumpedRegionKeepsOnlyItsAddress) {
    DumpFacts facts = sample_facts();
    facts.threads[0].stack_start = 0x13000;  // the reserved, not dumped, region
    facts.threads[0].context.clear();
    const Layout layout = build_layout(facts);
    EXPECT_EQ(layout.stacks_referenced, 0u);
    const std::string& bytes = layout.pieces[0].bytes;
    const auto header = read_at<Header>(bytes, 0);
    for (uint32_t i = 0; i < header.number_of_streams; ++i) {
        const auto d = read_at<Directory>(bytes, header.stream_directory_rva + i * 12);
        if (d.stream_type != 3) continue;
        const auto thread = read_at<Thread>(bytes, d.location.rva + 4);
        EXPECT_EQ(thread.stack.start_of_memory_range, 0x13000u);
        EXPECT_EQ(thread.stack.memory.rva, 0u);
        EXPECT_EQ(thread.thread_context.data_size, 0u);
    }
}

TEST(MinidumpLayout, EmptyProcessGivesAValidHeaderAndNoMemory) {
    const Layout layout = build_layout(DumpFacts{});
    ASSERT_EQ(layout.pieces.size(), 1u);
    EXPECT_EQ(layout.pieces[0].bytes.substr(0, 4), "MDMP");
}

}  // namespace
}  // namespace irsnap::collectors::minidump
