// SPDX-License-Identifier: Apache-2.0
// The pure pieces of the memory collector: which processes are dumped in which order, which
// segments fit a budget, how unreadable pages become recorded holes, the ELF core's layout and
// the smaps flags parser.
#include <gtest/gtest.h>

#include <elf.h>
#include <sys/procfs.h>

#include <cerrno>
#include <cstring>

#include "fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/linux/proc_maps.hpp"
#include "memory/elf_core.hpp"
#include "memory/memory.hpp"
#include "memory/memory_store.hpp"

namespace irsnap::collectors {
namespace {

using R = DumpReason;

TEST(MemoryChoice, RequestedFirstThenBySuspicionThenSmallerFirst) {
    CollectParams params;
    params.dump_pids = {50};
    params.dump_suspicious = true;
    std::vector<DumpCandidate> checked = {
        {10, {R::anonymous_executable}, 100},
        {11, {R::deleted_executable, R::anonymous_executable}, 900},
        {12, {R::deleted_executable}, 300},
        {50, {R::anonymous_executable}, 5000},
    };
    const std::map<int64_t, std::set<std::string>> flagged = {{13, {"hidden_process"}},
                                                              {14, {"not_a_reason"}}};
    const auto chosen = choose_dumps(params, flagged, checked);
    std::vector<int64_t> order;
    for (const auto& c : chosen) order.push_back(c.pid);
    EXPECT_EQ(order, (std::vector<int64_t>{50, 13, 12, 11, 10}));
    EXPECT_EQ(chosen[0].reasons, (std::set<R>{R::requested, R::anonymous_executable}));
}

TEST(MemoryChoice, WithoutDumpSuspiciousOnlyRequestedPids) {
    CollectParams params;
    params.dump_pids = {7};
    const auto chosen = choose_dumps(params, {{8, {"hidden_process"}}},
                                     {{9, {R::memfd_executable}, 1}, {7, {R::preload}, 1}});
    ASSERT_EQ(chosen.size(), 1u);
    EXPECT_EQ(chosen[0].pid, 7);
    EXPECT_EQ(chosen[0].reasons, (std::set<R>{R::requested, R::preload}));
    EXPECT_TRUE(choose_dumps(CollectParams{}, {{8, {"hidden_process"}}}, {}).empty());
}

TEST(MemoryChoice, NamesAreSafeMemberNames) {
    EXPECT_EQ(region_member_name(42, 0x7f00, 0x8000),
              "pid42_0000000000007f00-0000000000008000.bin");
    EXPECT_EQ(dump_member_name(42, "core"), "pid42.core");
    EXPECT_EQ(hex_address(0xdeadbeef), "0xdeadbeef");
    for (R r : {R::requested, R::hidden_process, R::anonymous_executable, R::unsigned_module}) {
        EXPECT_EQ(dump_reason_named(to_string(r)), r);
    }
}

TEST(MemoryBudget, SegmentsFitByPriorityThenSizeSoTheLargestAreLeftOut) {
    // Priorities: 0 anonymous, 1 writable file, 2 read-only file.
    const std::vector<uint64_t> sizes = {4096, 8192, 4096, 16384, 4096, 0};
    const std::vector<int> priority = {2, 0, 1, 0, 2, 2};
    EXPECT_EQ(segments_within(sizes, priority, 8192 + 4096 + 4096),
              (std::vector<bool>{true, true, true, false, false, true}));
    EXPECT_EQ(segments_within(sizes, priority, 0),
              (std::vector<bool>{false, false, false, false, false, true}));
    EXPECT_EQ(segments_within(sizes, priority, 1 << 30), std::vector<bool>(6, true));
    // A large anonymous region first in the address space does not crowd out a small one.
    EXPECT_EQ(segments_within({50u << 20, 1u << 20, 2u << 20}, {0, 0, 0}, 4u << 20),
              (std::vector<bool>{false, true, true}));
}

/// A target whose memory is `pages` pages of 'A'..: page `bad` unreadable, gone from `gone`.
MemoryRead fake_target(uint64_t base, size_t pages, std::set<size_t> bad,
                       size_t gone = ~size_t{0}) {
    return [=](uint64_t address, char* buffer, size_t size) -> long {
        size_t done = 0;
        while (done < size) {
            const size_t page = (address + done - base) / k_page_size;
            if (page >= gone) return done ? static_cast<long>(done) : -ESRCH;
            if (page >= pages || bad.count(page)) return static_cast<long>(done);
            buffer[done] = static_cast<char>('A' + page % 26);
            ++done;
        }
        return static_cast<long>(done);
    };
}

std::string drain(PieceStream& stream, size_t chunk) {
    std::string out, buffer(chunk, '\0');
    ZipSource source = stream.source();
    while (true) {
        const long n = source(buffer.data(), buffer.size());
        if (n <= 0) break;
        out.append(buffer.data(), static_cast<size_t>(n));
    }
    return out;
}

TEST(MemoryRead, UnreadablePagesBecomeZerosAndMergedHoles) {
    Context ctx;
    const uint64_t base = 0x10000;
    PieceStream stream({DumpPiece{"HEAD", false, 0, 0}, DumpPiece{{}, true, base, 6 * k_page_size}},
                       fake_target(base, 6, {2, 3}), ctx);
    const std::string bytes = drain(stream, 3 * k_page_size);
    ASSERT_EQ(bytes.size(), 4 + 6 * k_page_size);
    EXPECT_EQ(bytes.substr(0, 4), "HEAD");
    EXPECT_EQ(bytes[4 + 2 * k_page_size], '\0');
    EXPECT_EQ(bytes[4 + 4 * k_page_size], 'E');
    ASSERT_EQ(stream.reads().size(), 1u);
    const PieceRead& r = stream.reads()[0];
    EXPECT_EQ(r.unreadable, 2 * k_page_size);
    EXPECT_EQ(r.bytes_read, 4 * k_page_size);
    ASSERT_EQ(r.holes.size(), 1u) << "two adjacent bad pages are one hole";
    EXPECT_EQ(r.holes[0], std::make_pair(base + 2 * k_page_size, base + 4 * k_page_size));
    EXPECT_EQ(r.sha256, sha256_hex(bytes.substr(4)));
    EXPECT_FALSE(stream.target_gone());
}

TEST(MemoryRead, ATargetThatEndsLeavesZerosAndSaysSo) {
    Context ctx;
    const uint64_t base = 0x400000;
    PieceStream stream({DumpPiece{{}, true, base, 4 * k_page_size},
                        DumpPiece{{}, true, base + 8 * k_page_size, k_page_size}},
                       fake_target(base, 16, {}, 2), ctx);
    const std::string bytes = drain(stream, 1 << 20);
    EXPECT_EQ(bytes.size(), 5 * k_page_size);
    EXPECT_TRUE(stream.target_gone());
    EXPECT_EQ(stream.reads()[0].unreadable, 2 * k_page_size);
    EXPECT_EQ(stream.reads()[1].unreadable, k_page_size);
    EXPECT_EQ(bytes.find_first_not_of('\0', 2 * k_page_size), std::string::npos);
}

TEST(MemoryRead, DigestsLaterFromASpoolEqualDigestsInOnePass) {
    Context ctx;
    const uint64_t base = 0x10000;
    const std::vector<DumpPiece> pieces = {DumpPiece{"xy", false, 0, 0},
                                           DumpPiece{{}, true, base, 3 * k_page_size}};
    PieceStream direct(pieces, fake_target(base, 3, {1}), ctx);
    const std::string bytes = drain(direct, 1000);
    PieceStream later(pieces, fake_target(base, 3, {1}), ctx);
    ZipSource source = later.source(false);
    std::string spooled, buffer(777, '\0');
    for (long n; (n = source(buffer.data(), buffer.size())) > 0;) spooled.append(buffer.data(), n);
    EXPECT_EQ(spooled, bytes);
    later.digest(spooled.data(), 5);
    later.digest(spooled.data() + 5, spooled.size() - 5);
    EXPECT_EQ(later.reads()[0].sha256, direct.reads()[0].sha256);
}

TEST(ElfCore, LayoutHasNotesLoadsAndPageAlignedDataAsPlanned) {
    CoreProcess p;
    p.pid = 4242;
    p.ppid = 1;
    p.name = "evil";
    p.args = "evil --beacon";
    std::vector<CoreThread> threads = {{4242, std::string(sizeof(elf_gregset_t), '\1'), "fp", {}},
                                       {4243, {}, {}, {}}};
    std::vector<CoreMapping> maps = {
        {0x400000, 0x402000, "r-xp", 0, "/usr/bin/evil", true},
        {0x600000, 0x601000, "rw-p", 0, "", true},
        {0x7f0000, 0x7f1000, "---p", 0, "", false},
        {0x800000, 0x803000, "rwxp", 0x3000, "/memfd:x (deleted)", true},
    };
    const std::string auxv(32, '\7');
    const CoreFile core = build_elf_core(EM_X86_64, p, threads, auxv, maps);
    EXPECT_EQ(core.header_bytes, elf_core_header_bytes(EM_X86_64, p, threads, auxv, maps));
    EXPECT_EQ(core.header_bytes % k_page_size, 0u);
    ASSERT_EQ(core.pieces.size(), 4u);  // head + three dumped mappings
    EXPECT_EQ(core.piece_of, (std::vector<std::optional<size_t>>{0, 1, std::nullopt, 2}));
    const std::string& head = core.pieces[0].bytes;
    ASSERT_EQ(head.size(), core.header_bytes);

    Elf64_Ehdr eh{};
    std::memcpy(&eh, head.data(), sizeof eh);
    EXPECT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(eh.e_type, ET_CORE);
    EXPECT_EQ(eh.e_machine, EM_X86_64);
    ASSERT_EQ(eh.e_phnum, 5);
    std::vector<Elf64_Phdr> ph(5);
    std::memcpy(ph.data(), head.data() + eh.e_phoff, 5 * sizeof(Elf64_Phdr));
    EXPECT_EQ(ph[0].p_type, PT_NOTE);
    uint64_t expected_offset = core.header_bytes;
    for (size_t i = 0; i < maps.size(); ++i) {
        const auto& load = ph[i + 1];
        EXPECT_EQ(load.p_type, PT_LOAD);
        EXPECT_EQ(load.p_vaddr, maps[i].start);
        EXPECT_EQ(load.p_memsz, maps[i].end - maps[i].start);
        EXPECT_EQ(load.p_filesz, maps[i].dumped ? load.p_memsz : 0);
        EXPECT_EQ(load.p_offset, expected_offset);
        expected_offset += load.p_filesz;
    }
    EXPECT_EQ(ph[4].p_flags, PF_R | PF_W | PF_X);

    // Walk the notes: types in the kernel's order, NT_FILE listing the two file mappings.
    std::vector<uint32_t> types;
    std::string file_desc;
    for (uint64_t at = ph[0].p_offset; at < ph[0].p_offset + ph[0].p_filesz;) {
        Elf64_Nhdr n{};
        std::memcpy(&n, head.data() + at, sizeof n);
        const uint64_t desc = at + sizeof n + ((n.n_namesz + 3) & ~3u);
        types.push_back(n.n_type);
        if (n.n_type == NT_FILE) file_desc = head.substr(desc, n.n_descsz);
        at = desc + ((n.n_descsz + 3) & ~3u);
    }
    EXPECT_EQ(types, (std::vector<uint32_t>{NT_PRSTATUS, NT_PRPSINFO, NT_AUXV, NT_FILE, NT_FPREGSET,
                                            NT_PRSTATUS}));
    uint64_t count = 0;
    std::memcpy(&count, file_desc.data(), 8);
    EXPECT_EQ(count, 2u);
    EXPECT_NE(file_desc.find(std::string("/usr/bin/evil\0/memfd:x (deleted)\0", 33)),
              std::string::npos);
    uint64_t third_offset = 0;  // the memfd mapping's offset, in pages
    std::memcpy(&third_offset, file_desc.data() + 16 + 24 + 16, 8);
    EXPECT_EQ(third_offset, 3u);
}

TEST(SmapsFlags, FlagsLineBelongsToTheMappingAbove) {
    const std::string text =
        "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n"
        "Size:                  4 kB\n"
        "VmFlags: rd ex mr mw me dw \n"
        "7f0000000000-7f0000001000 rw-s 00000000 00:05 3 /dev/mem\n"
        "VmFlags: rd wr sh mr mw me ms io pf dd\n"
        "VmFlags: orphan\n";
    const auto flags = procfs::parse_proc_pid_smaps_flags(text);
    ASSERT_EQ(flags.size(), 2u);
    EXPECT_EQ(flags.at(0x400000), "rd ex mr mw me dw");
    EXPECT_TRUE(procfs::has_vm_flag(flags.at(0x7f0000000000), "io"));
    EXPECT_TRUE(procfs::has_vm_flag(flags.at(0x7f0000000000), "dd"));
    EXPECT_FALSE(procfs::has_vm_flag(flags.at(0x400000), "io"));
    EXPECT_FALSE(procfs::has_vm_flag("rd mio", "io"));
    EXPECT_TRUE(procfs::parse_proc_pid_smaps_flags("VmFlags: io\n").empty());
}

}  // namespace
}  // namespace irsnap::collectors
