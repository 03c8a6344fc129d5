// SPDX-License-Identifier: Apache-2.0
// The kernel views' pure parts over literal bytes: iter/task records, the kernel-list judging
// of hidden_processes, fdinfo ids, helper calls and kallsyms, and the bpf triage rules.
#include <gtest/gtest.h>
#include <linux/types.h>

#include <cstring>

#include "analysis/rules.hpp"
#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/bpf_objects.hpp"
#include "irsnap/linux/hidden_pids.hpp"
#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/triage.hpp"
#include "triage_test_util.hpp"

namespace irsnap {
namespace {

using kernel_view::KernelTask;
using nlohmann::json;

std::string task_bytes(int32_t pid, int32_t tgid, const char* comm, int32_t exit_state = 0) {
    irsnap_task_record r{};
    r.size = sizeof(r);
    r.kind = IRSNAP_ITER_TASK;
    r.pid = pid;
    r.tgid = tgid;
    r.ppid = 1;
    r.uid = 1000;
    r.exit_state = exit_state;
    std::strncpy(r.comm, comm, sizeof(r.comm));
    return std::string(reinterpret_cast<const char*>(&r), sizeof(r));
}

TEST(KernelTasks, RecordsParseAndAnythingElseIsRefused) {
    const std::string two =
        task_bytes(42, 42, "sshd") + task_bytes(43, 42, "worker-with-a-long-name");
    auto tasks = kernel_view::parse_task_records(two);
    ASSERT_TRUE(tasks.ok());
    ASSERT_EQ(tasks->size(), 2u);
    EXPECT_EQ((*tasks)[0].comm, "sshd");
    EXPECT_TRUE((*tasks)[0].leader());
    EXPECT_FALSE((*tasks)[1].leader());
    EXPECT_EQ((*tasks)[1].comm.size(), 16u);  // a full comm field without its NUL still ends
    EXPECT_EQ((*tasks)[0].uid, 1000u);
    EXPECT_FALSE(kernel_view::parse_task_records(two.substr(0, two.size() - 1)).ok());
    std::string other_kind = task_bytes(1, 1, "x");
    other_kind[2] = 9;
    EXPECT_FALSE(kernel_view::parse_task_records(other_kind).ok());
    EXPECT_TRUE(kernel_view::parse_task_records("").ok());
}

std::vector<KernelTask> tasks_of(std::initializer_list<std::pair<int32_t, int32_t>> ids) {
    std::vector<KernelTask> out;
    for (auto [pid, tgid] : ids) {
        KernelTask t;
        t.pid = pid;
        t.tgid = tgid;
        t.comm = "t" + std::to_string(pid);
        out.push_back(t);
    }
    return out;
}

hidden::PidListing listing_of(std::initializer_list<int64_t> tgids) {
    hidden::PidListing l;
    for (int64_t p : tgids) {
        l.tgids.insert(p);
        l.thread_tgid[p] = p;
    }
    return l;
}

TEST(KernelTasks, AProcessOnlyTheKernelListHoldsIsHiddenAndRacesAreNot) {
    const auto first = tasks_of({{1, 1}, {50, 50}, {51, 50}, {60, 60}, {70, 70}});
    // 60 exits before the second read; 70 is listed by the re-read (born between reads).
    const auto second = tasks_of({{1, 1}, {50, 50}, {51, 50}, {70, 70}});
    hidden::Tally tally;
    auto findings =
        hidden::judge_kernel_view(first, listing_of({1}), second, listing_of({1, 70}), tally);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, hidden::k_kind_unlisted);
    EXPECT_EQ(findings[0].pid, 50);
    EXPECT_EQ(findings[0].name, "t50");
    EXPECT_EQ(findings[0].seen_in, std::vector<std::string>{"iter/task"});
    EXPECT_EQ(findings[0].missing_from, std::vector<std::string>{"proc"});
    EXPECT_EQ(tally.races, 2u);
}

TEST(KernelTasks, AListedProcessTheKernelLacksIsReportedAndFindingsMerge) {
    const auto tasks = tasks_of({{2, 2}, {9, 9}});
    hidden::Tally tally;
    auto kernel =
        hidden::judge_kernel_view(tasks, listing_of({1, 2}), tasks, listing_of({1, 2}), tally);
    ASSERT_EQ(kernel.size(), 2u);  // 9 unlisted, 1 not in the kernel's list
    // The probe found 9 too: one finding, both views.
    std::vector<hidden::Finding> probe(1);
    probe[0].kind = hidden::k_kind_unlisted;
    probe[0].pid = 9;
    probe[0].seen_in = {"probe"};
    probe[0].missing_from = {"proc"};
    hidden::merge_kernel_findings(probe, std::move(kernel), tasks);
    ASSERT_EQ(probe.size(), 2u);
    EXPECT_EQ(probe[0].seen_in, (std::vector<std::string>{"probe", "iter/task"}));
    ASSERT_TRUE(probe[0].kernel);
    EXPECT_EQ(probe[0].kernel->comm, "t9");
    EXPECT_EQ(probe[1].kind, hidden::k_kind_not_in_kernel);
    EXPECT_EQ(probe[1].pid, 1);
    EXPECT_EQ(probe[1].missing_from, std::vector<std::string>{"iter/task"});
}

TEST(BpfText, FdinfoIdsAndDescriptorKinds) {
    const auto prog = bpf::parse_bpf_fdinfo(
        "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nprog_type:\t5\nprog_jited:\t1\n"
        "prog_tag:\t8aac7fd4c2e97bf7\nmemlock:\t4096\nprog_id:\t131\nrun_time_ns:\t0\n");
    EXPECT_EQ(prog.prog_id, 131u);
    EXPECT_EQ(prog.map_id, 0u);
    EXPECT_EQ(bpf::parse_bpf_fdinfo("link_type:\tperf\nlink_id:\t94\nprog_tag:\tx\nprog_id:\t131\n")
                  .link_id,
              94u);
    EXPECT_EQ(bpf::parse_bpf_fdinfo("map_id:\t99999999999\n").map_id, 0u);  // out of range
    EXPECT_EQ(bpf::bpf_fd_kind("anon_inode:bpf-prog"), "prog");
    EXPECT_EQ(bpf::bpf_fd_kind("anon_inode:bpf_link"), "link");
    EXPECT_EQ(bpf::bpf_fd_kind("anon_inode:bpf-map"), "map");
    EXPECT_EQ(bpf::bpf_fd_kind("/tmp/anon_inode:bpf-prog"), "");
}

TEST(BpfText, HelperCallsResolveThroughKallsyms) {
    // call imm=0x100 (helper), call src_reg=1 (a bpf-to-bpf call: not a helper), exit.
    const unsigned char insns[] = {0x85, 0x00, 0, 0, 0x00, 0x01, 0, 0,  //
                                   0x85, 0x10, 0, 0, 0x05, 0x00, 0, 0,  //
                                   0x85, 0x00, 0, 0, 0x00, 0x01, 0, 0,  // the same helper again
                                   0x95, 0x00, 0, 0, 0x00, 0x00, 0, 0};
    const auto calls = bpf::helper_call_immediates(
        std::string_view(reinterpret_cast<const char*>(insns), sizeof(insns)));
    EXPECT_EQ(calls, std::vector<int32_t>{0x100});
    const auto symbols = bpf::read_bpf_symbols(
        "ffffffff81000000 T _stext\n"
        "ffffffff81000f00 T __bpf_call_base\n"
        "ffffffff81001000 T bpf_probe_write_user\n"
        "ffffffff81001000 t bpf_alias_later\n"
        "garbage line\n");
    EXPECT_EQ(symbols.call_base, 0xffffffff81000f00u);
    EXPECT_EQ(symbols.helper(0x100), "probe_write_user");
    EXPECT_EQ(symbols.helper(0x200), "");
    EXPECT_TRUE(bpf::is_dangerous_helper("probe_write_user"));
    EXPECT_FALSE(bpf::is_dangerous_helper("map_lookup_elem"));
    // kptr_restrict: zero addresses resolve nothing.
    EXPECT_EQ(bpf::read_bpf_symbols("0000000000000000 T __bpf_call_base\n").call_base, 0u);
}

TEST(BpfText, PerfLinksTakeTheirPointFromTheLoadersPerfEvent) {
    // Debian 12's 6.1: libbpf attached programs 6 and 8 to the getdents64 tracepoints through
    // perf links the kernel reports without a point (the kernel lab's bpf-hide scenario).
    std::vector<bpf::Link> links = {{1, "perf_event", 6, "", ""},
                                    {2, "perf_event", 8, "", ""},
                                    {3, "perf_event", 9, "", ""},
                                    {4, "perf_event", 9, "", ""},
                                    {5, "tracing", 10, "trace_fentry", "vfs_read"},
                                    {6, "perf_event", 11, "", ""}};
    const std::vector<bpf::TaskFdAttachment> perf = {
        {6, "tracepoint", "sys_enter_getdents64", 0, 0},
        {8, "tracepoint", "sys_exit_getdents64", 0, 0},
        {8, "tracepoint", "sys_exit_getdents64", 0, 0},  // the same event, held twice
        {9, "kprobe", "do_sys_openat2", 0, 0},           // two links, one event: ambiguous
        {11, "kprobe", "vfs_read", 0, 0},                // two points, one link: ambiguous
        {11, "kprobe", "vfs_write", 0, 0}};
    bpf::fill_perf_link_points(links, perf);
    EXPECT_EQ(links[0].attach_type, "tracepoint");
    EXPECT_EQ(links[0].attach_point, "sys_enter_getdents64");
    EXPECT_EQ(links[1].attach_type, "tracepoint");
    EXPECT_EQ(links[1].attach_point, "sys_exit_getdents64");
    EXPECT_EQ(links[2].attach_point, "");
    EXPECT_EQ(links[3].attach_point, "");
    EXPECT_EQ(links[4].attach_point, "vfs_read");  // not a perf link: as the kernel gave it
    EXPECT_EQ(links[5].attach_point, "");
    EXPECT_EQ(links[5].attach_type, "");
}

std::vector<triage::Finding> bpf_findings(std::initializer_list<std::string> lines,
                                          std::string_view id) {
    return triage::test::of_rule(triage::test::input_of({{"bpf", lines}}), id);
}

TEST(BpfRules, GetdentsHooksAndDangerousHelpersAreCriticalOthersAreNot) {
    auto hooks = bpf_findings(
        {R"({"kind":"scan"})",
         R"({"kind":"program","id":7,"name":"hide","type":"tracepoint","attach_points":[{"attach_type":"tracepoint","point":"sys_exit_getdents64"}],"dangerous_helpers":[]})",
         R"({"kind":"program","id":8,"name":"w","type":"kprobe","attach_points":[],"dangerous_helpers":["probe_write_user"]})",
         R"({"kind":"program","id":9,"name":"ok","type":"tracepoint","attach_points":[{"attach_type":"tracepoint","point":"sched_process_exec"}],"dangerous_helpers":[]})",
         R"({"kind":"program","id":10,"name":"k","type":"kprobe","attach_points":[{"attach_type":"kprobe","point":"__x64_sys_kill"}]})"},
        "IRS-BPF-001");
    ASSERT_EQ(hooks.size(), 3u);
    EXPECT_EQ(hooks[0].urgency, triage::Urgency::critical);
    EXPECT_NE(hooks[0].why.find("tracepoint sys_exit_getdents64"), std::string::npos)
        << hooks[0].why;
    EXPECT_NE(hooks[1].why.find("bpf_probe_write_user"), std::string::npos) << hooks[1].why;
    EXPECT_NE(hooks[2].why.find("__x64_sys_kill"), std::string::npos);
}

TEST(BpfRules, XdpAndPacketFilters) {
    EXPECT_EQ(bpf_findings({R"({"kind":"program","id":3,"name":"lb","type":"xdp"})",
                            R"({"kind":"program","id":4,"name":"t","type":"tracepoint"})"},
                           "IRS-BPF-002")
                  .size(),
              1u);
    auto filters = bpf_findings(
        {R"({"kind":"socket_filter","pid":5,"process":"dhclient","exe":"/usr/sbin/dhclient","socket_table":"packet","instructions":10})",
         R"J({"kind":"socket_filter","pid":6,"process":"haldrund","exe":"/dev/shm/kdmtmpflush (deleted)","socket_table":"packet","instructions":30})J"},
        "IRS-BPF-003");
    ASSERT_EQ(filters.size(), 2u);  // most urgent first
    EXPECT_EQ(filters[0].urgency, triage::Urgency::critical);
    EXPECT_NE(filters[0].why.find("pid 6 "), std::string::npos) << filters[0].why;
    EXPECT_NE(filters[0].why.find("BPFDoor"), std::string::npos);
    EXPECT_EQ(filters[1].urgency, triage::Urgency::medium);
    EXPECT_EQ(filters[1].why.find("BPFDoor"), std::string::npos);
}

}  // namespace
}  // namespace irsnap
