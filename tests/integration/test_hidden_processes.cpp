// SPDX-License-Identifier: Apache-2.0
// hidden_processes on this host: a /proc/PID covered by a bind mount (inside a private mount
// namespace the test creates, so the host never sees the mount), a process dropped from the
// listing by the test hook, and no findings for ordinary multi-threaded processes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int k_threads = 6;

std::set<int64_t> task_ids(pid_t pid) {
    std::set<int64_t> tids;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        tids.insert(std::stoll(e.path().filename().string()));
    }
    return tids;
}

/// The test child with `threads` extra threads, once they all exist.
pid_t spawn_threaded_child(int threads) {
    pid_t child = spawn({IRSNAP_TEST_CHILD, "--irsnap-test-threads", std::to_string(threads)});
    for (int i = 0; i < 500 && task_ids(child).size() < static_cast<size_t>(threads + 1); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return child;
}

std::vector<json> records_of_kind(const std::vector<json>& records, const std::string& kind) {
    std::vector<json> out;
    for (const auto& r : records) {
        if (r["kind"] == kind) out.push_back(r);
    }
    return out;
}

const json& scan_record(const std::vector<json>& records) {
    static const json none;
    for (const auto& r : records) {
        if (r["kind"] == "scan") return r;
    }
    return none;
}

std::string comm_of(pid_t pid) {
    std::string comm = read_text_file("/proc/" + std::to_string(pid) + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    return comm;
}

TEST(HiddenProcesses, OrdinaryThreadedProcessesAreNotFindings) {
    pid_t child = spawn_threaded_child(k_threads);
    const auto tids = task_ids(child);
    TempDir tmp("irsnap-it-hidden");
    auto run = run_command({irsnap_binary(), "collect", "-o", tmp.path().string(), "-q",
                            "--collectors", "hidden_processes"});
    kill_and_reap(child);
    ASSERT_EQ(tids.size(), static_cast<size_t>(k_threads + 1));
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const auto records = read_jsonl(artifact(only_bundle(tmp.path()), "hidden_processes"));
    const json& scan = scan_record(records);
    ASSERT_TRUE(scan.is_object());
    ASSERT_EQ(scan["probe_ran"], true) << scan.dump();
    EXPECT_GE(scan["listed_threads"].get<int64_t>(), k_threads);
    for (const char* kind : {"unlisted_pid", "listed_pid_not_answering"}) {
        EXPECT_TRUE(records_of_kind(records, kind).empty())
            << kind << ": " << records_of_kind(records, kind).front().dump();
    }
    for (const auto& r : records) {
        if (r.contains("pid") && r["pid"].is_number()) {  // the scan record has none
            EXPECT_FALSE(tids.count(r["pid"].get<int64_t>())) << r.dump();
        }
    }
}

TEST(HiddenProcesses, ProcessMissingFromTheListingIsReportedWithItsThreads) {
    // --debug-unlist-pid drops the child from irsnap's listing as a getdents hook would; the
    // probe, the confirmation and the re-reads are the real ones.
    pid_t child = spawn_threaded_child(k_threads);
    const auto tids = task_ids(child);
    const std::string comm = comm_of(child);
    TempDir tmp("irsnap-it-hidden");
    auto run =
        run_command({irsnap_binary(), "collect", "-o", tmp.path().string(), "-q", "--collectors",
                     "hidden_processes", "--debug-unlist-pid", std::to_string(child)});
    kill_and_reap(child);
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const fs::path bundle = only_bundle(tmp.path());
    const auto records = read_jsonl(artifact(bundle, "hidden_processes"));
    ASSERT_EQ(scan_record(records)["probe_ran"], true);
    // As root on a kernel with BTF, the kernel's own task list is the third view: it holds
    // the hidden process, by its own name.
    const bool kernel_view = scan_record(records)["kernel_view"] == "read";
    if (::geteuid() == 0 && ::access("/sys/kernel/btf/vmlinux", R_OK) == 0) {
        EXPECT_TRUE(kernel_view) << scan_record(records).dump();
    }
    std::set<int64_t> reported;
    for (const auto& r : records_of_kind(records, "unlisted_pid")) {
        reported.insert(r["pid"].get<int64_t>());
        EXPECT_EQ(r["tgid"], child) << r.dump();
        EXPECT_EQ(r["name"], comm) << r.dump();
        EXPECT_EQ(r["answered"], json({"getpgid", "kill", "getsid", "proc_dir", "proc_status"}));
        EXPECT_EQ(r["missing_from"], json({"proc"})) << r.dump();
        if (kernel_view) {
            EXPECT_EQ(r["seen_in"], json({"probe", "iter/task"})) << r.dump();
            EXPECT_EQ(r["kernel_comm"], comm) << r.dump();
            EXPECT_EQ(r["kernel_ppid"], ::getpid()) << r.dump();
        }
    }
    EXPECT_EQ(reported, tids);  // the process and every one of its threads, nothing else
    json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    EXPECT_EQ(manifest["options"]["debug_unlist_pids"], json({child}));
    EXPECT_NE(read_text_file(bundle / "collection.log").find("--debug-unlist-pid"),
              std::string::npos);
}

/// Runs irsnap in a new private mount namespace in which an empty directory is bind-mounted
/// over /proc/<covered>. Returns the exit code, or nullopt (and `why`) when this host does not
/// allow the namespace or the mount.
std::optional<int> collect_with_covered_proc_dir(pid_t covered, const fs::path& empty,
                                                 const fs::path& out, std::string& why) {
    const std::string target = "/proc/" + std::to_string(covered);
    const std::string bin = irsnap_binary();
    std::vector<std::string> args = {
        bin, "collect", "-o", out.string(), "-q", "--collectors", "hidden_processes,processes"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    pid_t pid = fork();
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec. A failure is reported as the failing
        // step and its errno through the pipe.
        auto fail = [&](const char* step) {
            char code[16];
            size_t at = sizeof code;
            for (int err = errno; at > 0 && (err > 0 || at == sizeof code); err /= 10) {
                code[--at] = static_cast<char>('0' + err % 10);
            }
            (void)!write(pipe_fds[1], step, strlen(step));
            (void)!write(pipe_fds[1], ": errno ", 8);
            (void)!write(pipe_fds[1], code + at, sizeof code - at);
            _exit(90);
        };
        if (unshare(CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWNS)");
        // Private first, so the bind mount never propagates back to the host's namespace.
        if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("make / private");
        if (mount(empty.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            fail("bind mount over /proc/PID");
        }
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, STDOUT_FILENO);
        execv(argv[0], argv.data());
        fail("exec irsnap");
    }
    close(pipe_fds[1]);
    char buf[256];
    ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (n > 0) {
        why.assign(buf, static_cast<size_t>(n));
        return std::nullopt;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(HiddenProcesses, BindMountOverAProcDirectoryIsReported) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create a mount namespace and bind mount";
    pid_t child = spawn_threaded_child(2);
    const std::string comm = comm_of(child);
    TempDir tmp("irsnap-it-hidden");
    const fs::path empty = tmp.path() / "empty";
    fs::create_directory(empty);
    std::string why;
    const auto code = collect_with_covered_proc_dir(child, empty, tmp.path() / "out", why);
    kill_and_reap(child);
    if (!code) GTEST_SKIP() << "cannot simulate the hiding here: " << why;
    ASSERT_TRUE(*code == 0 || *code == 1) << "exit code " << *code;
    // The mount lived only in the namespace, which ended with irsnap.
    EXPECT_EQ(read_text_file("/proc/self/mountinfo").find("/proc/" + std::to_string(child) + " "),
              std::string::npos);

    const fs::path bundle = only_bundle(tmp.path() / "out");
    const auto records = read_jsonl(artifact(bundle, "hidden_processes"));
    const auto covered = records_of_kind(records, "proc_dir_covered_by_mount");
    ASSERT_EQ(covered.size(), 1u) << records.size() << " records";
    const json& r = covered.front();
    EXPECT_EQ(r["pid"], child);
    EXPECT_EQ(r["mount_point"], "/proc/" + std::to_string(child));
    EXPECT_TRUE(r["mount_root"].get<std::string>().ends_with("/empty")) << r.dump();
    // The run read a private procfs instance, which no mount covers: the process answers
    // every probe, its status is the kernel's, and processes has its full record.
    EXPECT_EQ(r["answered"], json({"getpgid", "kill", "getsid", "proc_dir", "proc_status"}));
    EXPECT_EQ(r["not_answered"], json::array());
    EXPECT_EQ(r["name"], comm);
    EXPECT_EQ(r["name_trusted"], true);
    EXPECT_TRUE(records_of_kind(records, "unlisted_pid").empty());
    bool full_record = false;
    for (const auto& p : read_jsonl(artifact(bundle, "processes"))) {
        if (p["pid"] != child) continue;
        full_record = p["name"] == comm && p["exe_path"].is_string() && !p["argv"].empty();
        EXPECT_TRUE(full_record) << p.dump();
    }
    EXPECT_TRUE(full_record) << "the covered process has no processes record";
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    EXPECT_NE(manifest["notes"].dump().find("private procfs"), std::string::npos)
        << manifest["notes"].dump();
    EXPECT_EQ(run_command({irsnap_binary(), "verify", bundle.string()}).exit_code, 0);
}

TEST(HiddenProcesses, PidMaxOutsideTheKernelsRangeIsAUsageError) {
    for (const char* bad : {"1", "4194305"}) {
        auto run =
            run_command({irsnap_binary(), "collect", "--pid-max", bad, "-o", "/nonexistent"});
        EXPECT_EQ(run.exit_code, 2) << bad << ": " << run.err;
        EXPECT_NE(run.err.find("--pid-max"), std::string::npos) << run.err;
    }
    auto run = run_command({irsnap_binary(), "collect", "--debug-unlist-pid", "0"});
    EXPECT_EQ(run.exit_code, 2) << run.err;
}

}  // namespace
}  // namespace irsnap::test
