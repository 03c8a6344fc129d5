// SPDX-License-Identifier: Apache-2.0
// The hidden-process judge (platform/linux/hidden_pids.hpp) with literal evidence and mountinfo
// text, the hidden_processes collector over a small tree (mounts only: a tree is not our
// procfs), and the same collector live with its test hook hiding this test process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "fixture_util.hpp"
#include "hidden_processes/hidden_processes.hpp"
#include "irsnap/linux/hidden_pids.hpp"
#include "irsnap/linux/procfs.hpp"

namespace irsnap::test {
namespace {

using namespace irsnap::hidden;
namespace fs = std::filesystem;

PidListing listing(std::set<int64_t> tgids, std::map<int64_t, int64_t> threads) {
    PidListing l;
    l.tgids = std::move(tgids);
    l.thread_tgid = std::move(threads);
    return l;
}

PidEvidence evidence(int64_t pid, uint32_t answered, std::optional<int64_t> tgid = std::nullopt,
                     bool signal_permitted = true) {
    PidEvidence e;
    e.pid = pid;
    e.answered = answered;
    e.tgid = tgid;
    e.signal_permitted = signal_permitted;
    if (answered & k_probe_proc_status) e.name = "x";
    return e;
}

TEST(HiddenPids, ProbeNamesInBitOrder) {
    EXPECT_EQ(probe_names(0), std::vector<std::string>{});
    EXPECT_EQ(probe_names(k_probe_all),
              (std::vector<std::string>{"getpgid", "kill", "getsid", "proc_dir", "proc_status"}));
    EXPECT_EQ(probe_names(k_probe_kill | k_probe_proc_dir),
              (std::vector<std::string>{"kill", "proc_dir"}));
}

TEST(HiddenPids, PidNamesAreCanonicalDecimals) {
    EXPECT_EQ(parse_pid_name("1"), 1);
    EXPECT_EQ(parse_pid_name("4194303"), 4194303);
    for (const char* bad : {"", "0", "01", "self", "12a", "-1", "+1", " 1", "99999999999"}) {
        EXPECT_FALSE(parse_pid_name(bad).has_value()) << bad;
    }
}

TEST(HiddenPids, ThreadsOfListedProcessesAreNotCandidates) {
    // 100 is a process with threads 101 and 102; /proc lists only 1 and 100 at the top.
    const auto l = listing({1, 100}, {{1, 1}, {100, 100}, {101, 100}, {102, 100}});
    EXPECT_EQ(l.threads(), 2u);
    EXPECT_EQ(unlisted_pids({1, 100, 101, 102, 555}, l), std::vector<int64_t>{555});
    // Listed processes the probe did not see, below the limit only.
    EXPECT_EQ(silent_listed_pids({1, 101}, l, 1000), std::vector<int64_t>{100});
    EXPECT_EQ(silent_listed_pids({1, 101}, l, 100), std::vector<int64_t>{});
}

TEST(HiddenPids, JudgeUnlistedSeparatesFindingsFromRaces) {
    const auto relisted = listing({1, 100, 300}, {{1, 1}, {100, 100}, {300, 300}});
    Tally tally;
    const auto findings = judge_unlisted(
        {
            evidence(300, k_probe_all),       // born during the probe: listed now
            evidence(400, 0),                 // gone before the confirmation
            evidence(103, k_probe_all, 100),  // a thread of 100 started after task/
            evidence(555, k_probe_all, 555),  // hidden process
            evidence(556, k_probe_all & ~k_probe_proc_dir & ~k_probe_proc_status, std::nullopt),
            evidence(557, k_probe_all, 555),  // a thread of the hidden process
        },
        relisted, false, tally);
    EXPECT_EQ(tally.races, 2u);
    EXPECT_EQ(tally.threads_of_listed, 1u);
    EXPECT_EQ(tally.hidepid_explained, 0u);
    ASSERT_EQ(findings.size(), 3u);
    EXPECT_EQ(findings[0].kind, "unlisted_pid");
    EXPECT_EQ(findings[0].pid, 555);
    EXPECT_EQ(findings[0].tgid, 555);
    EXPECT_EQ(findings[0].answered, k_probe_all);
    EXPECT_EQ(findings[0].tried, k_probe_all);
    EXPECT_EQ(findings[0].name, "x");
    EXPECT_NE(findings[0].why.find("getpgid, kill, getsid, proc_dir, proc_status"),
              std::string::npos)
        << findings[0].why;
    EXPECT_EQ(findings[1].pid, 556);
    EXPECT_NE(findings[1].why.find("cannot be opened"), std::string::npos) << findings[1].why;
    EXPECT_EQ(findings[2].pid, 557);
    EXPECT_EQ(findings[2].tgid, 555);
    EXPECT_NE(findings[2].why.find("thread of process 555"), std::string::npos);
}

TEST(HiddenPids, HidepidExplainsOnlyWhatWeMayNotSee) {
    const auto relisted = listing({1}, {{1, 1}});
    const uint32_t no_dir = k_probe_getpgid | k_probe_kill | k_probe_getsid;
    Tally tally;
    auto findings = judge_unlisted({evidence(700, no_dir, std::nullopt, false),  // another user's
                                    evidence(701, no_dir, std::nullopt, true)},  // ours: no excuse
                                   relisted, true, tally);
    EXPECT_EQ(tally.hidepid_explained, 1u);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].pid, 701);
    // Without hidepid nothing explains an unlisted pid.
    Tally plain;
    EXPECT_EQ(
        judge_unlisted({evidence(700, no_dir, std::nullopt, false)}, relisted, false, plain).size(),
        1u);
}

TEST(HiddenPids, JudgeSilentNeedsAStillListedDirectoryAndNoAnswer) {
    const auto relisted = listing({1, 200, 201}, {});
    Tally tally;
    const auto findings = judge_silent(
        {
            evidence(200, k_probe_proc_dir | k_probe_proc_status, 200),  // listed, calls deny it
            evidence(201, k_probe_all, 201),       // answers now: a reused pid
            evidence(202, k_probe_proc_dir, 202),  // no longer listed: exited
            evidence(1, k_probe_getsid, 1),        // directory gone: exited
        },
        relisted, tally);
    EXPECT_EQ(tally.races, 3u);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, "listed_pid_not_answering");
    EXPECT_EQ(findings[0].pid, 200);
}

constexpr const char* k_mountinfo =
    "22 1 0:21 / /proc rw,relatime - proc proc rw\n"
    "30 22 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"
    "31 22 0:41 / /proc/kcore ro - tmpfs tmpfs ro\n"
    "32 22 8:1 /tmp/empty /proc/4242 rw - ext4 /dev/sda1 rw\n"
    "33 22 8:1 /tmp/fake /proc/77/status rw - ext4 /dev/sda1 rw\n"
    "34 1 0:42 / /proc2 rw - proc proc rw\n"
    "35 34 0:43 / /proc2/5 rw - tmpfs tmpfs rw\n"
    "36 22 0:44 / /proc/4242\\040x rw - tmpfs odd\\040name rw\n";

TEST(HiddenPids, MountsCoveringProcessDirectoriesAndEntries) {
    size_t malformed = 9;
    const auto mounts = procfs::parse_proc_pid_mountinfo(k_mountinfo, &malformed);
    ASSERT_EQ(malformed, 0u);
    for (const char* root : {"/proc", "/proc/"}) {
        const auto f = find_covering_mounts(mounts, root);
        ASSERT_EQ(f.size(), 4u) << root;
        EXPECT_EQ(f[0].kind, "proc_entry_covered_by_mount");
        EXPECT_FALSE(f[0].pid.has_value());
        EXPECT_EQ(f[0].mount->mount_point, "/proc/kcore");
        EXPECT_EQ(f[1].kind, "proc_dir_covered_by_mount");
        EXPECT_EQ(f[1].pid, 4242);
        EXPECT_EQ(f[1].mount->root, "/tmp/empty");
        EXPECT_EQ(f[1].mount->source, "/dev/sda1");
        EXPECT_NE(f[1].why.find("covers the /proc directory of pid 4242"), std::string::npos);
        EXPECT_EQ(f[2].kind, "proc_dir_covered_by_mount");
        EXPECT_EQ(f[2].pid, 77);
        EXPECT_NE(f[2].why.find("covers part of the /proc directory of pid 77"), std::string::npos);
        // "4242 x" is not a pid: an entry, not a process directory.
        EXPECT_EQ(f[3].kind, "proc_entry_covered_by_mount");
        EXPECT_EQ(f[3].mount->mount_point, "/proc/4242 x");
    }
    // Another proc root: only what lies below it.
    const auto other = find_covering_mounts(mounts, "/proc2");
    ASSERT_EQ(other.size(), 1u);
    EXPECT_EQ(other[0].pid, 5);
}

TEST(HiddenPids, MountsOverTheProcRootItself) {
    const auto mounts = procfs::parse_proc_pid_mountinfo(
        "22 1 0:21 / /proc rw - proc proc rw\n"
        "40 22 0:50 / /proc rw - proc proc rw,hidepid=invisible\n"
        "41 40 0:51 / /proc rw - tmpfs decoy rw\n");
    const auto f = find_covering_mounts(mounts, "/proc");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].kind, "proc_covered_by_mount");
    EXPECT_EQ(f[0].mount->mount_id, 40);
    EXPECT_NE(f[0].why.find("stacked"), std::string::npos);
    EXPECT_EQ(f[1].mount->fs_type, "tmpfs");
    EXPECT_NE(f[1].why.find("not from the kernel's process table"), std::string::npos);
    // The topmost mount is not procfs: no hidepid can be read from it.
    EXPECT_FALSE(proc_hidepid(mounts, "/proc").has_value());
}

TEST(HiddenPids, HidepidOfTheTopmostProcMount) {
    auto hp = [](const std::string& text) {
        return proc_hidepid(procfs::parse_proc_pid_mountinfo(text), "/proc");
    };
    EXPECT_EQ(hp("22 1 0:21 / /proc rw - proc proc rw\n"), "");
    EXPECT_EQ(hp("22 1 0:21 / /proc rw - proc proc rw,hidepid=2,gid=10\n"), "2");
    EXPECT_EQ(hp("22 1 0:21 / /proc rw - proc proc rw,hidepid=invisible\n"), "invisible");
    EXPECT_EQ(hp("22 1 0:21 / /proc rw - proc proc rw,hidepid=0\n"), "");
    EXPECT_EQ(hp("22 1 0:21 / /proc rw - proc proc rw,hidepid=off\n"), "");
    EXPECT_EQ(hp("22 1 0:21 / /proc rw - proc proc rw\n"
                 "23 22 0:22 / /proc rw - proc proc rw,hidepid=ptraceable\n"),
              "ptraceable");
    EXPECT_FALSE(hp("22 1 0:21 / /mnt rw - proc proc rw\n").has_value());
}

TEST(HiddenPids, StatusTgidOfAThread) {
    const auto s = procfs::parse_proc_pid_status("Name:\tworker\nTgid:\t100\nPid:\t101\n");
    EXPECT_EQ(s.tgid, 100);
    EXPECT_EQ(s.name, "worker");
}

void hidden_pids_write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

const nlohmann::json* find_kind(const MemorySink& sink, const std::string& kind) {
    for (const auto& r : sink.records) {
        if (r["kind"] == kind) return &r;
    }
    return nullptr;
}

TEST(HiddenProcessesCollector, OverATreeChecksMountsOnly) {
    TempDir tmp("irsnap-hidden");
    const fs::path proc = tmp.path() / "proc";
    hidden_pids_write_file(proc / "1/status", "Name:\tinit\nTgid:\t1\nPid:\t1\n");
    fs::create_directories(proc / "1/task/1");
    // What a covering mount shows in /proc/77: a status that claims another name.
    hidden_pids_write_file(proc / "77/status", "Name:\tkworker/0:1\nTgid:\t77\nPid:\t77\n");
    hidden_pids_write_file(proc / "1/mountinfo", k_mountinfo);
    fs::create_directory_symlink("1", proc / "self");

    Context ctx;
    ctx.proc_root = proc;
    MemorySink sink;
    collectors::collect_hidden_processes(ctx, sink);

    ASSERT_FALSE(sink.records.empty());
    const auto& scan = sink.records.front();
    EXPECT_EQ(scan["kind"], "scan");
    EXPECT_EQ(scan["probe_ran"], false);
    EXPECT_EQ(scan["listed_processes"], 2);
    EXPECT_EQ(scan["findings"], 4);
    EXPECT_EQ(sink.records.size(), 5u);
    ASSERT_FALSE(sink.notes.empty());
    EXPECT_NE(sink.notes[0].find("pids were not probed"), std::string::npos) << sink.notes[0];

    const nlohmann::json* covered = nullptr;
    for (const auto& r : sink.records) {
        if (r["kind"] == "proc_dir_covered_by_mount" && r["pid"] == 77) covered = &r;
    }
    ASSERT_NE(covered, nullptr);
    EXPECT_EQ((*covered)["name"], "kworker/0:1");
    EXPECT_EQ((*covered)["name_trusted"], false);
    EXPECT_EQ((*covered)["mount_point"], "/proc/77/status");
    EXPECT_EQ((*covered)["mount_fstype"], "ext4");
    // Over a tree only the file probes mean anything.
    EXPECT_EQ((*covered)["answered"], nlohmann::json({"proc_dir", "proc_status"}));
    EXPECT_EQ((*covered)["not_answered"], nlohmann::json::array());
    // Records come out by pid, mounts without a pid first.
    EXPECT_EQ(sink.records[1]["pid"], nullptr);
    EXPECT_EQ(sink.records[3]["pid"], 77);
    EXPECT_EQ(sink.records[4]["pid"], 4242);
}

/// Threads that wait until released, so this process has several task/ entries.
class Threads {
  public:
    explicit Threads(int n) {
        for (int i = 0; i < n; ++i) {
            m_threads.emplace_back([this] {
                std::unique_lock lock(m_mutex);
                m_cv.wait(lock, [this] { return m_release; });
            });
        }
    }
    ~Threads() {
        {
            std::lock_guard lock(m_mutex);
            m_release = true;
        }
        m_cv.notify_all();
        for (auto& t : m_threads) t.join();
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_release = false;
    std::vector<std::thread> m_threads;
};

TEST(HiddenProcessesCollector, LiveHostHasNoHiddenPidsAndThreadsAreNotFindings) {
    Threads threads(4);
    Context ctx;
    MemorySink sink;
    collectors::collect_hidden_processes(ctx, sink);
    const auto* scan = find_kind(sink, "scan");
    ASSERT_NE(scan, nullptr);
    if (!(*scan)["probe_ran"].get<bool>()) GTEST_SKIP() << "/proc is not this pid namespace's";
    EXPECT_GE((*scan)["listed_threads"].get<int64_t>(), 4);
    EXPECT_GE((*scan)["range_last"].get<int64_t>(), getpid());
    for (const auto& r : sink.records) {
        EXPECT_NE(r["kind"], "unlisted_pid") << r.dump();
        EXPECT_NE(r["kind"], "listed_pid_not_answering") << r.dump();
    }
}

TEST(HiddenProcessesCollector, LiveProbeFindsAProcessTheListingLacks) {
    // The test hook drops this process from the listing, as a getdents hook would: the probe
    // must report it and each of its threads (reachable as /proc/TID, listed nowhere).
    Threads threads(2);
    Context ctx;
    ctx.params.debug_unlist_pids = {getpid()};
    MemorySink sink;
    collectors::collect_hidden_processes(ctx, sink);
    const auto* scan = find_kind(sink, "scan");
    ASSERT_NE(scan, nullptr);
    if (!(*scan)["probe_ran"].get<bool>()) GTEST_SKIP() << "/proc is not this pid namespace's";
    EXPECT_EQ((*scan)["debug_unlisted_pids"], nlohmann::json({getpid()}));
    std::set<int64_t> tids;
    for (const auto& r : sink.records) {
        if (r["kind"] != "unlisted_pid") continue;
        EXPECT_EQ(r["tgid"], getpid()) << r.dump();
        EXPECT_EQ(r["answered"],
                  nlohmann::json({"getpgid", "kill", "getsid", "proc_dir", "proc_status"}))
            << r.dump();
        tids.insert(r["pid"].get<int64_t>());
    }
    // The leader and the two waiting threads at least (gtest may run more).
    EXPECT_TRUE(tids.count(getpid()));
    EXPECT_GE(tids.size(), 3u);
}

TEST(HiddenProcessesCollector, PidMaxBoundsTheRangeAndSaysSo) {
    Context ctx;
    ctx.params.pid_max = 100;
    MemorySink sink;
    collectors::collect_hidden_processes(ctx, sink);
    const auto* scan = find_kind(sink, "scan");
    ASSERT_NE(scan, nullptr);
    if (!(*scan)["probe_ran"].get<bool>()) GTEST_SKIP() << "/proc is not this pid namespace's";
    EXPECT_EQ((*scan)["range_last"], 99);
    bool noted = false;
    for (const auto& n : sink.notes) noted |= n.find("cut by --pid-max 100") != std::string::npos;
    EXPECT_TRUE(noted);
}

}  // namespace
}  // namespace irsnap::test
