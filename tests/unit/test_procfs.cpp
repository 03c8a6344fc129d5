// SPDX-License-Identifier: Apache-2.0
// Unit tests for the pure /proc parsers in platform/linux/procfs.hpp: literal strings shaped like
// what the kernel writes, the pitfalls from the field notes, and a few reads of this process's own
// /proc entries to make sure the parsers accept what the running kernel really produces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>  // program_invocation_name (GNU)
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/linux/procfs.hpp"

using namespace irsnap::procfs;
using namespace std::string_literals;

namespace {

/// A realistic stat tail (fields 3..52) for a user process: state R, ppid 1233, tty pts/0,
/// flags 4194304 (PF_RANDOMIZE), priority 20, nice 0, 1 thread, starttime 987654,
/// vsize 9650176, rss 1280 pages.
constexpr std::string_view k_stat_tail =
    "R 1233 1234 1234 34816 5678 4194304 1234 5678 0 0 10 5 0 0 20 0 1 0 987654 9650176 1280 "
    "18446744073709551615 94047347523584 94047347543465 140733329636496 0 0 0 0 0 0 0 0 0 17 1 0 "
    "0 0 0 0 94047347559472 94047347561088 94047804747776 140733329643973 140733329643993 "
    "140733329643993 140733329645547 0\n";

std::string stat_line(std::string_view pid, std::string_view comm,
                      std::string_view tail = k_stat_tail) {
    return std::string(pid) + " (" + std::string(comm) + ") " + std::string(tail);
}

/// Fields 3..24 (the minimum the parser needs) with selected values replaced.
struct StatFields {
    std::vector<std::string> f = {"S", "1", "42", "42",    "0",    "-1", "4194560", "1",
                                  "0", "0", "0",  "0",     "0",    "0",  "0",       "20",
                                  "0", "1", "0",  "12345", "1000", "10"};
    std::string& operator[](int field_number) { return f[static_cast<size_t>(field_number - 3)]; }
    std::string join() const {
        std::string out;
        for (const auto& s : f) out += s + " ";
        return out;
    }
};

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

// ---- parse_proc_pid_stat ---------------------------------------------------------------------

TEST(ProcPidStat, CommWithSpacesAndParens) {
    auto st = parse_proc_pid_stat(
        "42 (a) b) c) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 1000 10 x");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "a) b) c");
    EXPECT_EQ(st->pid, 42);
    EXPECT_EQ(st->state, 'S');
    EXPECT_EQ(st->ppid, 1);
    EXPECT_EQ(st->starttime_ticks, 12345u);
    EXPECT_EQ(st->vsize_bytes, 1000u);
    EXPECT_EQ(st->rss_pages, 10);
}

TEST(ProcPidStat, RealisticUserProcessLine) {
    auto st = parse_proc_pid_stat(stat_line("1234", "bash"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->pid, 1234);
    EXPECT_EQ(st->comm, "bash");
    EXPECT_EQ(st->state, 'R');
    EXPECT_EQ(st->ppid, 1233);
    EXPECT_EQ(st->pgrp, 1234);
    EXPECT_EQ(st->session, 1234);
    EXPECT_EQ(st->tty_nr, 34816);
    EXPECT_EQ(tty_name(st->tty_nr), "pts/0");
    EXPECT_EQ(st->tpgid, 5678);
    EXPECT_EQ(st->flags, 4194304u);
    EXPECT_EQ(st->flags & k_pf_kthread, 0u);
    EXPECT_EQ(st->priority, 20);
    EXPECT_EQ(st->nice, 0);
    EXPECT_EQ(st->num_threads, 1);
    EXPECT_EQ(st->starttime_ticks, 987654u);
    EXPECT_EQ(st->vsize_bytes, 9650176u);
    EXPECT_EQ(st->rss_pages, 1280);
}

TEST(ProcPidStat, CommWithSpaces) {
    auto st = parse_proc_pid_stat(stat_line("7", "Web Content"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "Web Content");
    EXPECT_EQ(st->state, 'R');
    EXPECT_EQ(st->ppid, 1233);
}

TEST(ProcPidStat, CommWithOpenAndCloseParens) {
    auto st = parse_proc_pid_stat(stat_line("1500", "(sd-pam)"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "(sd-pam)");
    EXPECT_EQ(st->ppid, 1233);

    st = parse_proc_pid_stat(stat_line("1501", ")("));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, ")(");

    st = parse_proc_pid_stat(stat_line("1502", "x)(y"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "x)(y");
    EXPECT_EQ(st->starttime_ticks, 987654u);
}

TEST(ProcPidStat, CommForgingFieldsIsIgnored) {
    // A process names itself so that a naive "first ')'" parser reads fake fields (state Z,
    // ppid 1, a huge starttime). Only what follows the LAST ')' counts.
    StatFields real;
    real[3] = "S";
    real[4] = "4321";
    real[22] = "777";
    auto st = parse_proc_pid_stat("99 (x) Z 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 999999) " +
                                  real.join());
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "x) Z 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 999999");
    EXPECT_EQ(st->state, 'S');
    EXPECT_EQ(st->ppid, 4321);
    EXPECT_EQ(st->starttime_ticks, 777u);
}

TEST(ProcPidStat, EmptyComm) {
    auto st = parse_proc_pid_stat(stat_line("5", ""));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "");
    EXPECT_EQ(st->pid, 5);
    EXPECT_EQ(st->ppid, 1233);
}

TEST(ProcPidStat, CommWithNewlineAndTabKeptRaw) {
    // stat prints comm unescaped; control characters must stay inside comm.
    auto st = parse_proc_pid_stat(stat_line("6", "a\nb\tc"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "a\nb\tc");
    EXPECT_EQ(st->ppid, 1233);
}

TEST(ProcPidStat, CommWithNonUtf8BytesKeptRaw) {
    auto st = parse_proc_pid_stat(stat_line("6", "\xff\xfe\x80"));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->comm, "\xff\xfe\x80");
}

TEST(ProcPidStat, EmptyString) {
    EXPECT_FALSE(parse_proc_pid_stat(""));
}

TEST(ProcPidStat, TruncatedLines) {
    const std::string full = stat_line("1234", "bash");
    // Every prefix that cuts into the first 24 fields must be rejected.
    const size_t rss_end = full.find(" 18446744073709551615");
    ASSERT_NE(rss_end, std::string::npos);
    for (size_t len = 0; len < rss_end; ++len) {
        // A cut inside the last number (rss) still leaves a number, just a shorter one.
        if (len > full.rfind(' ', rss_end - 1)) continue;
        EXPECT_FALSE(parse_proc_pid_stat(full.substr(0, len))) << "prefix length " << len;
    }
    // Exactly up to rss is enough.
    auto st = parse_proc_pid_stat(full.substr(0, rss_end));
    ASSERT_TRUE(st);
    EXPECT_EQ(st->rss_pages, 1280);
    // Only 21 fields after comm (rss missing).
    EXPECT_FALSE(parse_proc_pid_stat("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 9"));
}

TEST(ProcPidStat, MissingParens) {
    EXPECT_FALSE(parse_proc_pid_stat("1 init S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 9 9"));
    EXPECT_FALSE(
        parse_proc_pid_stat("1 (init S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 9 9"));
    EXPECT_FALSE(
        parse_proc_pid_stat("1 init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 9 9"));
    EXPECT_FALSE(parse_proc_pid_stat(")("));
}

TEST(ProcPidStat, BadPid) {
    EXPECT_FALSE(parse_proc_pid_stat(stat_line("", "bash")));
    EXPECT_FALSE(parse_proc_pid_stat(stat_line("abc", "bash")));
    EXPECT_FALSE(parse_proc_pid_stat(stat_line("12x", "bash")));
    EXPECT_FALSE(parse_proc_pid_stat(stat_line("1 2", "bash")));
    EXPECT_FALSE(parse_proc_pid_stat(stat_line("99999999999999999999", "bash")));
}

TEST(ProcPidStat, NonNumericFields) {
    for (int field : {4, 5, 6, 7, 8, 9, 18, 19, 20, 22, 23, 24}) {
        StatFields f;
        f[field] = "x1";
        EXPECT_FALSE(parse_proc_pid_stat("1 (p) " + f.join())) << "field " << field;
        f[field] = "1x";
        EXPECT_FALSE(parse_proc_pid_stat("1 (p) " + f.join())) << "field " << field;
        f[field] = "1.5";
        EXPECT_FALSE(parse_proc_pid_stat("1 (p) " + f.join())) << "field " << field;
    }
    // Fields the parser does not use may hold anything.
    StatFields f;
    f[10] = "junk";
    f[21] = "junk";
    auto st = parse_proc_pid_stat("1 (p) " + f.join());
    ASSERT_TRUE(st);
    EXPECT_EQ(st->starttime_ticks, 12345u);
}

TEST(ProcPidStat, StateMustBeOneCharacter) {
    StatFields f;
    f[3] = "SS";
    EXPECT_FALSE(parse_proc_pid_stat("1 (p) " + f.join()));
    for (const char* s : {"R", "S", "D", "Z", "T", "t", "X", "I", "P"}) {
        f[3] = s;
        auto st = parse_proc_pid_stat("1 (p) " + f.join());
        ASSERT_TRUE(st) << s;
        EXPECT_EQ(st->state, s[0]);
    }
}

TEST(ProcPidStat, HugeNumbers) {
    StatFields f;
    f[22] = "18446744073709551615";  // UINT64_MAX
    f[23] = "18446744073709551615";
    f[24] = "9223372036854775807";  // INT64_MAX
    f[9] = "18446744073709551615";
    auto st = parse_proc_pid_stat("9223372036854775807 (p) " + f.join());
    ASSERT_TRUE(st);
    EXPECT_EQ(st->pid, INT64_MAX);
    EXPECT_EQ(st->starttime_ticks, UINT64_MAX);
    EXPECT_EQ(st->vsize_bytes, UINT64_MAX);
    EXPECT_EQ(st->rss_pages, INT64_MAX);
    EXPECT_EQ(st->flags, UINT64_MAX);

    // One past the range: rejected, never wrapped or clamped.
    for (int field : {22, 23}) {
        StatFields g;
        g[field] = "18446744073709551616";
        EXPECT_FALSE(parse_proc_pid_stat("1 (p) " + g.join())) << field;
    }
    StatFields g;
    g[24] = "9223372036854775808";
    EXPECT_FALSE(parse_proc_pid_stat("1 (p) " + g.join()));
}

TEST(ProcPidStat, NegativeValues) {
    StatFields f;
    f[8] = "-1";   // tpgid: no controlling terminal
    f[18] = "-2";  // priority of a real-time task
    f[19] = "-20";
    auto st = parse_proc_pid_stat("1 (p) " + f.join());
    ASSERT_TRUE(st);
    EXPECT_EQ(st->tpgid, -1);
    EXPECT_EQ(st->priority, -2);
    EXPECT_EQ(st->nice, -20);

    // Unsigned fields reject a sign.
    for (int field : {9, 22, 23}) {
        StatFields g;
        g[field] = "-1";
        EXPECT_FALSE(parse_proc_pid_stat("1 (p) " + g.join())) << field;
    }
}

TEST(ProcPidStat, KernelThreadFlags) {
    // kthreadd on Debian 12: flags 0x208040 includes PF_KTHREAD (0x00200000).
    auto st = parse_proc_pid_stat(
        "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 18446744073709551615 0 0 "
        "0 0 0 0 0 2147483647 0 0 0 0 2 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->pid, 2);
    EXPECT_EQ(st->comm, "kthreadd");
    EXPECT_EQ(st->ppid, 0);
    EXPECT_EQ(st->flags, 2129984u);
    EXPECT_NE(st->flags & k_pf_kthread, 0u);
    EXPECT_EQ(st->starttime_ticks, 5u);
    EXPECT_EQ(st->vsize_bytes, 0u);
    EXPECT_EQ(st->rss_pages, 0);
    EXPECT_EQ(k_pf_kthread, 0x00200000u);
}

TEST(ProcPidStat, FieldNumbering) {
    // Give every field its own number so an off-by-one would show.
    std::string tail;
    for (int n = 3; n <= 52; ++n) tail += (n == 3 ? std::string("S") : std::to_string(n)) + " ";
    auto st = parse_proc_pid_stat("1 (p) " + tail);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->ppid, 4);
    EXPECT_EQ(st->pgrp, 5);
    EXPECT_EQ(st->session, 6);
    EXPECT_EQ(st->tty_nr, 7);
    EXPECT_EQ(st->tpgid, 8);
    EXPECT_EQ(st->flags, 9u);
    EXPECT_EQ(st->priority, 18);
    EXPECT_EQ(st->nice, 19);
    EXPECT_EQ(st->num_threads, 20);
    EXPECT_EQ(st->starttime_ticks, 22u);
    EXPECT_EQ(st->vsize_bytes, 23u);
    EXPECT_EQ(st->rss_pages, 24);
}

TEST(ProcPidStat, TabsAndTrailingNewline) {
    StatFields f;
    std::string line = "1\t(p)\t" + f.join() + "\n";
    auto st = parse_proc_pid_stat(line);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->pid, 1);
    EXPECT_EQ(st->rss_pages, 10);
}

TEST(ProcPidStat, LiveSelf) {
    std::string text = read_whole("/proc/self/stat");
    ASSERT_FALSE(text.empty());
    auto st = parse_proc_pid_stat(text);
    ASSERT_TRUE(st) << text;
    EXPECT_EQ(st->pid, getpid());
    EXPECT_EQ(st->ppid, getppid());
    EXPECT_EQ(st->pgrp, getpgrp());
    EXPECT_EQ(st->session, getsid(0));
    EXPECT_EQ(st->state, 'R');
    std::string comm = read_whole("/proc/self/comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    EXPECT_EQ(st->comm, comm);
    EXPECT_EQ(st->flags & k_pf_kthread, 0u);
    EXPECT_GE(st->num_threads, 1);
    EXPECT_GT(st->vsize_bytes, 0u);
    EXPECT_GT(st->rss_pages, 0);
}

// ---- parse_proc_pid_status -------------------------------------------------------------------

TEST(ProcPidStatus, RealisticText) {
    const std::string text =
        "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t1234\nNgid:\t0\nPid:\t1234\n"
        "PPid:\t1233\nTracerPid:\t0\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t101\t102\t103\n"
        "FDSize:\t256\nGroups:\t24 25 27 \nVmPeak:\t    9000 kB\nVmRSS:\t    5120 kB\n"
        "Threads:\t3\nSigQ:\t0/96365\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
        "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
        "untag_mask:\t0xffffffffffffffff\nvoluntary_ctxt_switches:\t10\n";
    auto s = parse_proc_pid_status(text);
    ASSERT_TRUE(s.name);
    EXPECT_EQ(*s.name, "bash");
    ASSERT_TRUE(s.uid);
    EXPECT_EQ(*s.uid, (std::array<int64_t, 4>{1000, 1001, 1002, 1003}));
    ASSERT_TRUE(s.gid);
    EXPECT_EQ(*s.gid, (std::array<int64_t, 4>{100, 101, 102, 103}));
    ASSERT_TRUE(s.ppid);
    EXPECT_EQ(*s.ppid, 1233);
    ASSERT_TRUE(s.threads);
    EXPECT_EQ(*s.threads, 3);
    ASSERT_TRUE(s.cap_eff);
    EXPECT_EQ(*s.cap_eff, 0x1ffffffffffu);
    ASSERT_TRUE(s.vm_rss_kb);
    EXPECT_EQ(*s.vm_rss_kb, 5120);
}

TEST(ProcPidStatus, MissingKeysStayUnset) {
    auto s = parse_proc_pid_status("Name:\tkworker/0:1\nState:\tI (idle)\n");
    ASSERT_TRUE(s.name);
    EXPECT_EQ(*s.name, "kworker/0:1");
    EXPECT_FALSE(s.uid);
    EXPECT_FALSE(s.gid);
    EXPECT_FALSE(s.ppid);
    EXPECT_FALSE(s.threads);
    EXPECT_FALSE(s.cap_eff);
    EXPECT_FALSE(s.vm_rss_kb);

    auto empty = parse_proc_pid_status("");
    EXPECT_FALSE(empty.name);
    EXPECT_FALSE(empty.uid);
    EXPECT_FALSE(empty.cap_eff);
}

TEST(ProcPidStatus, CapEffHex) {
    auto s = parse_proc_pid_status("CapEff:\t000001fffeffffff\n");
    ASSERT_TRUE(s.cap_eff);
    EXPECT_EQ(*s.cap_eff, 0x000001fffeffffffu);
    EXPECT_NE(*s.cap_eff & (uint64_t{1} << 21), 0u);  // cap_sys_admin

    s = parse_proc_pid_status("CapEff:\t0000000000000000\n");
    ASSERT_TRUE(s.cap_eff);
    EXPECT_EQ(*s.cap_eff, 0u);

    s = parse_proc_pid_status("CapEff:\tFFFFFFFFFFFFFFFF\n");
    ASSERT_TRUE(s.cap_eff);
    EXPECT_EQ(*s.cap_eff, UINT64_MAX);

    // Not hex, or too wide: unset rather than a wrong mask.
    EXPECT_FALSE(parse_proc_pid_status("CapEff:\tzz\n").cap_eff);
    EXPECT_FALSE(parse_proc_pid_status("CapEff:\t10000000000000000\n").cap_eff);
    EXPECT_FALSE(parse_proc_pid_status("CapEff:\t0x1f\n").cap_eff);
    EXPECT_FALSE(parse_proc_pid_status("CapEff:\t\n").cap_eff);
}

TEST(ProcPidStatus, TabsAndSpacesAroundValues) {
    auto s = parse_proc_pid_status("Uid:  \t 0 \t0\t 0  0\nPPid:    \t7\nThreads: 12\n");
    ASSERT_TRUE(s.uid);
    EXPECT_EQ(*s.uid, (std::array<int64_t, 4>{0, 0, 0, 0}));
    ASSERT_TRUE(s.ppid);
    EXPECT_EQ(*s.ppid, 7);
    ASSERT_TRUE(s.threads);
    EXPECT_EQ(*s.threads, 12);
}

TEST(ProcPidStatus, NameKeepsInnerSpacesAndColons) {
    auto s = parse_proc_pid_status("Name:\tmy proc:x\n");
    ASSERT_TRUE(s.name);
    EXPECT_EQ(*s.name, "my proc:x");
    s = parse_proc_pid_status("Name:\t\n");
    ASSERT_TRUE(s.name);
    EXPECT_EQ(*s.name, "");
}

TEST(ProcPidStatus, BadIdQuads) {
    EXPECT_FALSE(parse_proc_pid_status("Uid:\t0\t0\t0\n").uid);
    EXPECT_FALSE(parse_proc_pid_status("Uid:\t0\t0\t0\t0\t0\n").uid);
    EXPECT_FALSE(parse_proc_pid_status("Uid:\t0\tx\t0\t0\n").uid);
    EXPECT_FALSE(parse_proc_pid_status("Gid:\n").gid);
    auto s = parse_proc_pid_status("Uid:\t4294967295\t0\t0\t65534\n");
    ASSERT_TRUE(s.uid);
    EXPECT_EQ((*s.uid)[0], 4294967295);
    EXPECT_EQ((*s.uid)[3], 65534);
}

TEST(ProcPidStatus, GarbageLinesIgnored) {
    const std::string text =
        "garbage without colon\n\n:\n::::\n\xff\xfe:\x80\nName:\tok\nPPid:\tnotanumber\n"
        "Threads:\t2 extra\nVmRSS:\n VmRSS:\t1 kB\nUid:\t1\t2\t3\t4\n\x01\x02\x03";
    auto s = parse_proc_pid_status(text);
    ASSERT_TRUE(s.name);
    EXPECT_EQ(*s.name, "ok");
    EXPECT_FALSE(s.ppid);
    EXPECT_FALSE(s.threads);
    EXPECT_FALSE(s.vm_rss_kb);  // "VmRSS:" empty, " VmRSS" is another key
    ASSERT_TRUE(s.uid);
    EXPECT_EQ(*s.uid, (std::array<int64_t, 4>{1, 2, 3, 4}));
}

TEST(ProcPidStatus, NoTrailingNewline) {
    auto s = parse_proc_pid_status("Name:\tx\nVmRSS:\t  42 kB");
    ASSERT_TRUE(s.vm_rss_kb);
    EXPECT_EQ(*s.vm_rss_kb, 42);
}

TEST(ProcPidStatus, LiveSelf) {
    auto s = parse_proc_pid_status(read_whole("/proc/self/status"));
    ASSERT_TRUE(s.name);
    ASSERT_TRUE(s.uid);
    EXPECT_EQ((*s.uid)[0], static_cast<int64_t>(getuid()));
    EXPECT_EQ((*s.uid)[1], static_cast<int64_t>(geteuid()));
    ASSERT_TRUE(s.gid);
    EXPECT_EQ((*s.gid)[0], static_cast<int64_t>(getgid()));
    EXPECT_EQ((*s.gid)[1], static_cast<int64_t>(getegid()));
    ASSERT_TRUE(s.ppid);
    EXPECT_EQ(*s.ppid, getppid());
    ASSERT_TRUE(s.threads);
    EXPECT_GE(*s.threads, 1);
    EXPECT_TRUE(s.cap_eff);
    ASSERT_TRUE(s.vm_rss_kb);
    EXPECT_GT(*s.vm_rss_kb, 0);
}

// ---- parse_proc_pid_cmdline / parse_proc_pid_environ -----------------------------------------

TEST(ProcPidCmdline, TrailingNul) {
    auto args = parse_proc_pid_cmdline("/bin/bash\0-l\0"s);
    EXPECT_EQ(args, (std::vector<std::string>{"/bin/bash", "-l"}));
}

TEST(ProcPidCmdline, NoTrailingNul) {
    // A process that rewrote its argv area (setproctitle) often leaves no final NUL.
    auto args = parse_proc_pid_cmdline("sshd: alice [priv]"s);
    EXPECT_EQ(args, (std::vector<std::string>{"sshd: alice [priv]"}));
    args = parse_proc_pid_cmdline("a\0b"s);
    EXPECT_EQ(args, (std::vector<std::string>{"a", "b"}));
}

TEST(ProcPidCmdline, Empty) {
    // Kernel threads and processes that erased their argv.
    EXPECT_TRUE(parse_proc_pid_cmdline("").empty());
}

TEST(ProcPidCmdline, EmbeddedEmptyArgs) {
    EXPECT_EQ(parse_proc_pid_cmdline("a\0\0b\0"s), (std::vector<std::string>{"a", "", "b"}));
    // argv = {""}: one empty argument.
    EXPECT_EQ(parse_proc_pid_cmdline("\0"s), (std::vector<std::string>{""}));
    EXPECT_EQ(parse_proc_pid_cmdline("\0\0"s), (std::vector<std::string>{"", ""}));
    EXPECT_EQ(parse_proc_pid_cmdline("\0a\0"s), (std::vector<std::string>{"", "a"}));
    EXPECT_EQ(parse_proc_pid_cmdline("a\0\0\0"s), (std::vector<std::string>{"a", "", ""}));
}

TEST(ProcPidCmdline, NonUtf8BytesKeptExactly) {
    const std::string arg1 = "\xff\xfe\x80\x01 \x7f\\x";
    const std::string arg2 = "caf\xc3\xa9";
    auto args = parse_proc_pid_cmdline(arg1 + '\0' + arg2 + '\0');
    ASSERT_EQ(args.size(), 2u);
    EXPECT_EQ(args[0], arg1);
    EXPECT_EQ(args[1], arg2);
}

TEST(ProcPidCmdline, SpacesAndNewlinesInsideArgs) {
    auto args = parse_proc_pid_cmdline("sh\0-c\0echo a b\nrm -rf x\0"s);
    EXPECT_EQ(args, (std::vector<std::string>{"sh", "-c", "echo a b\nrm -rf x"}));
}

TEST(ProcPidCmdline, LiveSelf) {
    auto args = parse_proc_pid_cmdline(read_whole("/proc/self/cmdline"));
    ASSERT_FALSE(args.empty());
    EXPECT_EQ(args[0], program_invocation_name);  // argv[0] as this process was started
}

TEST(ProcPidEnviron, KeyValuePairs) {
    auto env = parse_proc_pid_environ("PATH=/usr/bin:/bin\0HOME=/root\0LANG=C.UTF-8\0"s);
    ASSERT_EQ(env.size(), 3u);
    EXPECT_EQ(env[0], (std::pair<std::string, std::string>{"PATH", "/usr/bin:/bin"}));
    EXPECT_EQ(env[1], (std::pair<std::string, std::string>{"HOME", "/root"}));
    EXPECT_EQ(env[2], (std::pair<std::string, std::string>{"LANG", "C.UTF-8"}));
}

TEST(ProcPidEnviron, EdgeCases) {
    auto env = parse_proc_pid_environ("A=\0NOEQ\0=lead\0B=x=y\0\0C=3"s);
    ASSERT_EQ(env.size(), 5u);
    EXPECT_EQ(env[0], (std::pair<std::string, std::string>{"A", ""}));
    EXPECT_EQ(env[1], (std::pair<std::string, std::string>{"NOEQ", ""}));
    EXPECT_EQ(env[2], (std::pair<std::string, std::string>{"", "lead"}));
    EXPECT_EQ(env[3], (std::pair<std::string, std::string>{"B", "x=y"}));
    EXPECT_EQ(env[4], (std::pair<std::string, std::string>{"C", "3"}));

    EXPECT_TRUE(parse_proc_pid_environ("").empty());
    EXPECT_TRUE(parse_proc_pid_environ("\0"s).empty());
    EXPECT_TRUE(parse_proc_pid_environ("\0\0\0"s).empty());
}

TEST(ProcPidEnviron, NonUtf8Kept) {
    auto env = parse_proc_pid_environ("K\xff=\x80\x81\0"s);
    ASSERT_EQ(env.size(), 1u);
    EXPECT_EQ(env[0].first, "K\xff");
    EXPECT_EQ(env[0].second, "\x80\x81");
}

// ---- parse_proc_stat_btime -------------------------------------------------------------------

TEST(ProcStatBtime, Realistic) {
    const std::string text =
        "cpu  1010 0 2020 300000 40 0 5 0 0 0\ncpu0 505 0 1010 150000 20 0 3 0 0 0\n"
        "intr 123456 0 9 0 0\nctxt 987654\nbtime 1700000000\nprocesses 5432\n"
        "procs_running 2\nprocs_blocked 0\nsoftirq 1 2 3 4 5 6 7 8 9 10 11\n";
    auto b = parse_proc_stat_btime(text);
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, 1700000000);
}

TEST(ProcStatBtime, MissingOrMalformed) {
    EXPECT_FALSE(parse_proc_stat_btime(""));
    EXPECT_FALSE(parse_proc_stat_btime("cpu 1 2 3\nctxt 5\n"));
    EXPECT_FALSE(parse_proc_stat_btime("btime abc\n"));
    EXPECT_FALSE(parse_proc_stat_btime("btime\n"));
    EXPECT_FALSE(parse_proc_stat_btime("btime 1 2\n"));
    EXPECT_FALSE(parse_proc_stat_btime("xbtime 17\n"));
    EXPECT_FALSE(parse_proc_stat_btime("btime 99999999999999999999\n"));
}

TEST(ProcStatBtime, NoTrailingNewlineAndTabs) {
    auto b = parse_proc_stat_btime("ctxt 1\nbtime\t1600000000");
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, 1600000000);
}

TEST(ProcStatBtime, LiveHost) {
    auto b = parse_proc_stat_btime(read_whole("/proc/stat"));
    ASSERT_TRUE(b);
    EXPECT_GT(*b, 1000000000);  // after 2001
    EXPECT_LE(*b, static_cast<int64_t>(time(nullptr)));
}

// ---- parse_proc_pid_mountinfo ----------------------------------------------------------------

TEST(ProcPidMountinfo, ManPageExampleWithOptionalField) {
    size_t bad = 99;
    auto m = parse_proc_pid_mountinfo(
        "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n", &bad);
    EXPECT_EQ(bad, 0u);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].mount_id, 36);
    EXPECT_EQ(m[0].parent_id, 35);
    EXPECT_EQ(m[0].major, 98u);
    EXPECT_EQ(m[0].minor, 0u);
    EXPECT_EQ(m[0].root, "/mnt1");
    EXPECT_EQ(m[0].mount_point, "/mnt2");
    EXPECT_EQ(m[0].mount_options, "rw,noatime");
    EXPECT_EQ(m[0].optional_fields, (std::vector<std::string>{"master:1"}));
    EXPECT_EQ(m[0].fs_type, "ext3");
    EXPECT_EQ(m[0].source, "/dev/root");
    EXPECT_EQ(m[0].super_options, "rw,errors=continue");
}

TEST(ProcPidMountinfo, SeveralOptionalFields) {
    auto m = parse_proc_pid_mountinfo(
        "40 30 0:33 / /run/x rw shared:5 master:2 propagate_from:1 unbindable - tmpfs tmpfs rw\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].optional_fields,
              (std::vector<std::string>{"shared:5", "master:2", "propagate_from:1", "unbindable"}));
    EXPECT_EQ(m[0].fs_type, "tmpfs");
}

TEST(ProcPidMountinfo, NoOptionalFields) {
    size_t bad = 99;
    auto m = parse_proc_pid_mountinfo(
        "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
        "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334492k,mode=755\n",
        &bad);
    EXPECT_EQ(bad, 0u);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_TRUE(m[0].optional_fields.empty());
    EXPECT_EQ(m[0].mount_point, "/proc");
    EXPECT_EQ(m[0].fs_type, "proc");
    EXPECT_EQ(m[0].source, "proc");
    EXPECT_EQ(m[0].super_options, "rw");
    EXPECT_EQ(m[1].major, 0u);
    EXPECT_EQ(m[1].minor, 6u);
    EXPECT_EQ(m[1].super_options, "rw,size=12334492k,mode=755");
}

TEST(ProcPidMountinfo, OctalEscapes) {
    auto m = parse_proc_pid_mountinfo(
        "50 1 8:1 /my\\040root /mnt/my\\040disk\\011tab\\012nl\\134bs rw - ext4 "
        "/dev/disk/by-label/a\\040b rw\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].root, "/my root");
    EXPECT_EQ(m[0].mount_point, "/mnt/my disk\ttab\nnl\\bs");
    EXPECT_EQ(m[0].source, "/dev/disk/by-label/a b");
}

TEST(ProcPidMountinfo, OctalEscapeAtFieldEdges) {
    auto m = parse_proc_pid_mountinfo("1 1 0:1 \\040 /a\\040 rw - t s rw\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].root, " ");
    EXPECT_EQ(m[0].mount_point, "/a ");
}

TEST(ProcPidMountinfo, InvalidEscapesKeptLiterally) {
    auto m = parse_proc_pid_mountinfo("1 1 0:1 / /a\\08x\\04\\x rw - t s rw\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].mount_point, "/a\\08x\\04\\x");
    m = parse_proc_pid_mountinfo("1 1 0:1 / /end\\04 rw - t s rw\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].mount_point, "/end\\04");
}

TEST(ProcPidMountinfo, MissingSuperOptions) {
    size_t bad = 99;
    auto m = parse_proc_pid_mountinfo("60 1 0:50 / /x rw - fuse.sshfs user@host:/", &bad);
    EXPECT_EQ(bad, 0u);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].fs_type, "fuse.sshfs");
    EXPECT_EQ(m[0].source, "user@host:/");
    EXPECT_EQ(m[0].super_options, "");
}

TEST(ProcPidMountinfo, MalformedLinesCounted) {
    const std::string text =
        "garbage\n"                                             // 1: too few fields
        "1 2 3 4 5 6\n"                                         // 2: no separator
        "1 1 0:1 / /a rw shared:1 tmpfs tmpfs rw\n"             // 3: no separator
        "x 1 0:1 / /a rw - tmpfs tmpfs rw\n"                    // 4: bad mount id
        "1 y 0:1 / /a rw - tmpfs tmpfs rw\n"                    // 5: bad parent id
        "1 1 01 / /a rw - tmpfs tmpfs rw\n"                     // 6: device without ':'
        "1 1 a:1 / /a rw - tmpfs tmpfs rw\n"                    // 7: bad major
        "1 1 0:b / /a rw - tmpfs tmpfs rw\n"                    // 8: bad minor
        "1 1 0:1 / /a rw -\n"                                   // 9: nothing after '-'
        "1 1 0:1 / /a rw - tmpfs\n"                             // 10: no source
        "1 1 0:1 / - tmpfs tmpfs rw\n"                          // 11: '-' too early
        "\n"                                                    // blank: not counted
        "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"  // good
        "1 1 4294967296:0 / /a rw - tmpfs tmpfs rw\n";          // 12: major overflows uint32
    size_t bad = 0;
    auto m = parse_proc_pid_mountinfo(text, &bad);
    EXPECT_EQ(bad, 12u);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].mount_point, "/dev/shm");

    // The count is optional.
    EXPECT_EQ(parse_proc_pid_mountinfo(text).size(), 1u);
    // And reset on a clean input.
    bad = 42;
    EXPECT_TRUE(parse_proc_pid_mountinfo("", &bad).empty());
    EXPECT_EQ(bad, 0u);
}

TEST(ProcPidMountinfo, DashAsOptionalFieldPosition) {
    // The first "-" at index >= 6 is the separator, even when a later field is also "-".
    auto m = parse_proc_pid_mountinfo("1 1 0:1 / /a rw - tmpfs - rw\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].fs_type, "tmpfs");
    EXPECT_EQ(m[0].source, "-");
    EXPECT_EQ(m[0].super_options, "rw");
}

TEST(ProcPidMountinfo, EmptySource) {
    // The kernel prints an empty device name as nothing, leaving two spaces between fs type and
    // super options (checked on kernel 6.x: `mount -t tmpfs "" /x` gives "- tmpfs  rw").
    auto m = parse_proc_pid_mountinfo("63 43 0:39 / /tmp/a\\040b rw,relatime - tmpfs  rw\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].mount_point, "/tmp/a b");
    EXPECT_EQ(m[0].fs_type, "tmpfs");
    EXPECT_EQ(m[0].source, "");
    EXPECT_EQ(m[0].super_options, "rw");
}

TEST(ProcPidMountinfo, EmptySourceWithOptionalFieldsAndOptions) {
    size_t bad = 99;
    auto m = parse_proc_pid_mountinfo(
        "64 43 0:40 / /x rw shared:9 - tmpfs  rw,size=1024k,mode=700\n"
        "65 43 0:41 / /y rw - tmpfs tmpfs rw\n",
        &bad);
    EXPECT_EQ(bad, 0u);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].optional_fields, (std::vector<std::string>{"shared:9"}));
    EXPECT_EQ(m[0].fs_type, "tmpfs");
    EXPECT_EQ(m[0].source, "");
    EXPECT_EQ(m[0].super_options, "rw,size=1024k,mode=700");
    EXPECT_EQ(m[1].source, "tmpfs");
    EXPECT_EQ(m[1].super_options, "rw");
}

TEST(ProcPidMountinfo, LiveSelf) {
    size_t bad = 99;
    auto m = parse_proc_pid_mountinfo(read_whole("/proc/self/mountinfo"), &bad);
    EXPECT_EQ(bad, 0u);
    ASSERT_FALSE(m.empty());
    bool has_root = false;
    for (const auto& e : m) {
        EXPECT_FALSE(e.mount_point.empty());
        EXPECT_FALSE(e.fs_type.empty());
        if (e.mount_point == "/") has_root = true;
    }
    EXPECT_TRUE(has_root);
}

// ---- parse_proc_pid_cgroup -------------------------------------------------------------------

TEST(ProcPidCgroup, V2Unified) {
    auto c = parse_proc_pid_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].hierarchy, 0);
    EXPECT_EQ(c[0].controllers, "");
    EXPECT_EQ(c[0].path, "/user.slice/user-1000.slice/session-3.scope");
}

TEST(ProcPidCgroup, V1Hierarchies) {
    auto c = parse_proc_pid_cgroup(
        "12:cpu,cpuacct:/docker/abc123\n9:name=systemd:/init.scope\n4:memory:/\n0::/\n");
    ASSERT_EQ(c.size(), 4u);
    EXPECT_EQ(c[0].hierarchy, 12);
    EXPECT_EQ(c[0].controllers, "cpu,cpuacct");
    EXPECT_EQ(c[0].path, "/docker/abc123");
    EXPECT_EQ(c[1].hierarchy, 9);
    EXPECT_EQ(c[1].controllers, "name=systemd");
    EXPECT_EQ(c[1].path, "/init.scope");
    EXPECT_EQ(c[2].controllers, "memory");
    EXPECT_EQ(c[2].path, "/");
    EXPECT_EQ(c[3].hierarchy, 0);
    EXPECT_EQ(c[3].path, "/");
}

TEST(ProcPidCgroup, PathContainingColons) {
    auto c = parse_proc_pid_cgroup("0::/system.slice/a:b:c.service\n3:cpu:/x:/y\n");
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].controllers, "");
    EXPECT_EQ(c[0].path, "/system.slice/a:b:c.service");
    EXPECT_EQ(c[1].controllers, "cpu");
    EXPECT_EQ(c[1].path, "/x:/y");
}

TEST(ProcPidCgroup, PathWithSpacesAndDeleted) {
    auto c = parse_proc_pid_cgroup("0::/a b/c (deleted)\n");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].path, "/a b/c (deleted)");
}

TEST(ProcPidCgroup, MalformedLinesSkipped) {
    auto c = parse_proc_pid_cgroup(
        "garbage\n5:cpu\nx::/a\n::/b\n-1x:cpu:/c\n\n99999999999999999999::/d\n0::/ok");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].path, "/ok");
    EXPECT_TRUE(parse_proc_pid_cgroup("").empty());
}

TEST(ProcPidCgroup, EmptyPath) {
    auto c = parse_proc_pid_cgroup("0::\n");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].path, "");
}

TEST(ProcPidCgroup, LiveSelf) {
    auto c = parse_proc_pid_cgroup(read_whole("/proc/self/cgroup"));
    ASSERT_FALSE(c.empty());
    for (const auto& e : c) EXPECT_EQ(e.path.substr(0, 1), "/");
}

// ---- parse_proc_pid_ns_link ------------------------------------------------------------------

TEST(ProcPidNsLink, Valid) {
    EXPECT_EQ(parse_proc_pid_ns_link("net:[4026531840]"), 4026531840u);
    EXPECT_EQ(parse_proc_pid_ns_link("mnt:[4026531841]"), 4026531841u);
    EXPECT_EQ(parse_proc_pid_ns_link("pid_for_children:[4026531836]"), 4026531836u);
    EXPECT_EQ(parse_proc_pid_ns_link("time:[0]"), 0u);
    EXPECT_EQ(parse_proc_pid_ns_link("x:[18446744073709551615]"), UINT64_MAX);
}

TEST(ProcPidNsLink, Invalid) {
    EXPECT_FALSE(parse_proc_pid_ns_link(""));
    EXPECT_FALSE(parse_proc_pid_ns_link("]"));
    EXPECT_FALSE(parse_proc_pid_ns_link(":[]"));
    EXPECT_FALSE(parse_proc_pid_ns_link("net:[]"));
    EXPECT_FALSE(parse_proc_pid_ns_link("net:[abc]"));
    EXPECT_FALSE(parse_proc_pid_ns_link("net:[-1]"));
    EXPECT_FALSE(parse_proc_pid_ns_link("net:[12"));
    EXPECT_FALSE(parse_proc_pid_ns_link("net:4026531840"));
    EXPECT_FALSE(parse_proc_pid_ns_link("net:[4026531840] "));
    EXPECT_FALSE(parse_proc_pid_ns_link("net:[18446744073709551616]"));
    EXPECT_FALSE(parse_proc_pid_ns_link("/proc/1/ns/net"));
}

TEST(ProcPidNsLink, LiveSelf) {
    char buf[256] = {};
    ssize_t n = readlink("/proc/self/ns/net", buf, sizeof buf - 1);
    if (n <= 0) GTEST_SKIP() << "no /proc/self/ns/net here";
    auto ino = parse_proc_pid_ns_link(std::string_view(buf, static_cast<size_t>(n)));
    ASSERT_TRUE(ino) << buf;
    EXPECT_GT(*ino, 0u);
}

// ---- parse_proc_uptime / parse_proc_loadavg --------------------------------------------------

TEST(ProcUptime, Valid) {
    auto u = parse_proc_uptime("752.24 1186.15\n");
    ASSERT_TRUE(u);
    EXPECT_DOUBLE_EQ(u->first, 752.24);
    EXPECT_DOUBLE_EQ(u->second, 1186.15);
    u = parse_proc_uptime("1 0");
    ASSERT_TRUE(u);
    EXPECT_DOUBLE_EQ(u->first, 1.0);
    EXPECT_DOUBLE_EQ(u->second, 0.0);
}

TEST(ProcUptime, Invalid) {
    EXPECT_FALSE(parse_proc_uptime(""));
    EXPECT_FALSE(parse_proc_uptime("\n"));
    EXPECT_FALSE(parse_proc_uptime("752.24\n"));
    EXPECT_FALSE(parse_proc_uptime("752.24 1186.15 3\n"));
    EXPECT_FALSE(parse_proc_uptime("abc 1.0\n"));
    EXPECT_FALSE(parse_proc_uptime("1.0 1,5\n"));
    EXPECT_FALSE(parse_proc_uptime("1.0x 2\n"));
}

TEST(ProcUptime, LiveHost) {
    auto u = parse_proc_uptime(read_whole("/proc/uptime"));
    ASSERT_TRUE(u);
    EXPECT_GT(u->first, 0.0);
    EXPECT_GE(u->second, 0.0);
}

TEST(ProcLoadavg, Valid) {
    auto l = parse_proc_loadavg("0.64 0.77 0.37 4/101 5432\n");
    ASSERT_TRUE(l);
    EXPECT_DOUBLE_EQ(l->one, 0.64);
    EXPECT_DOUBLE_EQ(l->five, 0.77);
    EXPECT_DOUBLE_EQ(l->fifteen, 0.37);
    EXPECT_EQ(l->runnable, 4);
    EXPECT_EQ(l->total, 101);
    EXPECT_EQ(l->last_pid, 5432);
}

TEST(ProcLoadavg, Invalid) {
    EXPECT_FALSE(parse_proc_loadavg(""));
    EXPECT_FALSE(parse_proc_loadavg("0.64 0.77 0.37 4/101\n"));
    EXPECT_FALSE(parse_proc_loadavg("0.64 0.77 0.37 4101 5432\n"));
    EXPECT_FALSE(parse_proc_loadavg("0.64 0.77 0.37 4/ 5432\n"));
    EXPECT_FALSE(parse_proc_loadavg("0.64 0.77 0.37 /101 5432\n"));
    EXPECT_FALSE(parse_proc_loadavg("0.64 0.77 x 4/101 5432\n"));
    EXPECT_FALSE(parse_proc_loadavg("0.64 0.77 0.37 4/101 5432 9\n"));
    EXPECT_FALSE(parse_proc_loadavg("0.64 0.77 0.37 4/1/01 5432\n"));
}

TEST(ProcLoadavg, LiveHost) {
    auto l = parse_proc_loadavg(read_whole("/proc/loadavg"));
    ASSERT_TRUE(l);
    EXPECT_GE(l->runnable, 1);  // at least this test
    EXPECT_GE(l->total, l->runnable);
}

// ---- parse_proc_meminfo ----------------------------------------------------------------------

TEST(ProcMeminfo, KbToBytesAndUnitless) {
    auto m = parse_proc_meminfo(
        "MemTotal:       24684092 kB\nMemFree:        23061464 kB\nAnonHugePages:         0 kB\n"
        "HugePages_Total:       0\nHugePages_Free:        7\nHugepagesize:       2048 kB\n");
    EXPECT_EQ(m.size(), 6u);
    EXPECT_EQ(m.at("MemTotal"), 24684092ull * 1024);
    EXPECT_EQ(m.at("MemFree"), 23061464ull * 1024);
    EXPECT_EQ(m.at("AnonHugePages"), 0u);
    EXPECT_EQ(m.at("HugePages_Total"), 0u);
    EXPECT_EQ(m.at("HugePages_Free"), 7u);  // a count, not kB
    EXPECT_EQ(m.at("Hugepagesize"), 2048u * 1024);
}

TEST(ProcMeminfo, GarbageSkipped) {
    auto m = parse_proc_meminfo(
        "no colon\nEmpty:\nBad:   abc kB\nNeg:   -5 kB\nOdd:  12 MB\n\nGood:\t1 kB\nLast: 3");
    EXPECT_EQ(m.count("no colon"), 0u);
    EXPECT_EQ(m.count("Empty"), 0u);
    EXPECT_EQ(m.count("Bad"), 0u);
    EXPECT_EQ(m.count("Neg"), 0u);
    ASSERT_EQ(m.count("Odd"), 1u);
    EXPECT_EQ(m.at("Odd"), 12u);  // unknown unit: the number as written
    EXPECT_EQ(m.at("Good"), 1024u);
    EXPECT_EQ(m.at("Last"), 3u);
}

TEST(ProcMeminfo, LiveHost) {
    auto m = parse_proc_meminfo(read_whole("/proc/meminfo"));
    ASSERT_EQ(m.count("MemTotal"), 1u);
    EXPECT_GT(m.at("MemTotal"), 1024u * 1024);
    EXPECT_EQ(m.at("MemTotal") % 1024, 0u);
    if (m.count("MemFree")) {
        EXPECT_LE(m.at("MemFree"), m.at("MemTotal"));
    }
}

// ---- capability_names ------------------------------------------------------------------------

TEST(CapabilityNames, SingleBits) {
    EXPECT_TRUE(capability_names(0).empty());
    EXPECT_EQ(capability_names(uint64_t{1} << 0), (std::vector<std::string>{"cap_chown"}));
    EXPECT_EQ(capability_names(uint64_t{1} << 19), (std::vector<std::string>{"cap_sys_ptrace"}));
    EXPECT_EQ(capability_names(uint64_t{1} << 21), (std::vector<std::string>{"cap_sys_admin"}));
    EXPECT_EQ(capability_names(uint64_t{1} << 38), (std::vector<std::string>{"cap_perfmon"}));
    EXPECT_EQ(capability_names(uint64_t{1} << 39), (std::vector<std::string>{"cap_bpf"}));
    EXPECT_EQ(capability_names(uint64_t{1} << 40),
              (std::vector<std::string>{"cap_checkpoint_restore"}));
    EXPECT_EQ(capability_names(uint64_t{1} << 41), (std::vector<std::string>{"cap_41"}));
    EXPECT_EQ(capability_names(uint64_t{1} << 63), (std::vector<std::string>{"cap_63"}));
}

TEST(CapabilityNames, Masks) {
    EXPECT_EQ(capability_names((uint64_t{1} << 21) | (uint64_t{1} << 12) | 1),
              (std::vector<std::string>{"cap_chown", "cap_net_admin", "cap_sys_admin"}));
    auto all = capability_names(0x1ffffffffffull);
    ASSERT_EQ(all.size(), 41u);
    EXPECT_EQ(all.front(), "cap_chown");
    EXPECT_EQ(all.back(), "cap_checkpoint_restore");
    auto every = capability_names(UINT64_MAX);
    ASSERT_EQ(every.size(), 64u);
    EXPECT_EQ(every[41], "cap_41");
    EXPECT_EQ(every[63], "cap_63");
}

// ---- tty_name --------------------------------------------------------------------------------

namespace {
/// The kernel's new_encode_dev(), as used for tty_nr in /proc/PID/stat.
int64_t encode_dev(uint32_t major, uint32_t minor) {
    return static_cast<int64_t>((minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12));
}
}  // namespace

TEST(TtyName, Known) {
    EXPECT_EQ(tty_name(0), "");
    EXPECT_EQ(encode_dev(136, 0), 34816);
    EXPECT_EQ(tty_name(34816), "pts/0");
    EXPECT_EQ(tty_name(34817), "pts/1");
    EXPECT_EQ(tty_name(encode_dev(136, 255)), "pts/255");
    EXPECT_EQ(tty_name(encode_dev(136, 256)), "pts/256");
    EXPECT_EQ(tty_name(encode_dev(136, 300)), "pts/300");
    EXPECT_EQ(tty_name(encode_dev(136, 1048575)), "pts/1048575");
    // stat prints tty_nr as a signed int: minors >= 2^19 come out negative.
    EXPECT_EQ(tty_name(static_cast<int32_t>(encode_dev(136, 1048575))), "pts/1048575");
    EXPECT_EQ(tty_name(encode_dev(4, 1)), "tty1");
    EXPECT_EQ(tty_name(1025), "tty1");
    EXPECT_EQ(tty_name(encode_dev(4, 63)), "tty63");
    EXPECT_EQ(tty_name(encode_dev(4, 64)), "ttyS0");
    EXPECT_EQ(tty_name(1088), "ttyS0");
    EXPECT_EQ(tty_name(encode_dev(4, 65)), "ttyS1");
    EXPECT_EQ(tty_name(encode_dev(5, 1)), "console");
}

TEST(TtyName, UnknownMajorFallsBackToNumbers) {
    EXPECT_EQ(tty_name(encode_dev(204, 64)), "204:64");  // ttyAMA0
    EXPECT_EQ(tty_name(encode_dev(188, 0)), "188:0");    // ttyUSB0
    EXPECT_EQ(tty_name(encode_dev(5, 0)), "5:0");        // /dev/tty
}

// ---- strip_deleted_suffix --------------------------------------------------------------------

TEST(StripDeletedSuffix, Cases) {
    bool had = false;
    EXPECT_EQ(strip_deleted_suffix("/usr/bin/x (deleted)", &had), "/usr/bin/x");
    EXPECT_TRUE(had);
    EXPECT_EQ(strip_deleted_suffix("/usr/bin/x", &had), "/usr/bin/x");
    EXPECT_FALSE(had);
    EXPECT_EQ(strip_deleted_suffix("/memfd:evil (deleted)", &had), "/memfd:evil");
    EXPECT_TRUE(had);
    EXPECT_EQ(strip_deleted_suffix(" (deleted)", &had), "");
    EXPECT_TRUE(had);
    EXPECT_EQ(strip_deleted_suffix("(deleted)", &had), "(deleted)");
    EXPECT_FALSE(had);
    EXPECT_EQ(strip_deleted_suffix("", &had), "");
    EXPECT_FALSE(had);
    // Only one suffix is removed: the file may itself be named "x (deleted)".
    EXPECT_EQ(strip_deleted_suffix("/tmp/x (deleted) (deleted)", &had), "/tmp/x (deleted)");
    EXPECT_TRUE(had);
    EXPECT_EQ(strip_deleted_suffix("/tmp/x (deleted)\n", &had), "/tmp/x (deleted)\n");
    EXPECT_FALSE(had);
    EXPECT_EQ(strip_deleted_suffix("/tmp/x(deleted)", &had), "/tmp/x(deleted)");
    EXPECT_FALSE(had);
    // had_suffix is optional.
    EXPECT_EQ(strip_deleted_suffix("/a (deleted)", nullptr), "/a");
}
