// SPDX-License-Identifier: Apache-2.0
// Faults a responder meets on a busy, broken or hostile host: thousands of processes coming and
// going, an output that is read-only or removed mid-run, a run killed outright. Each test asserts
// no crash, no malformed JSON line, and a bundle that verifies for what it holds, or a verify
// that says why it cannot. (SIGINT, SIGTERM, a full disk and an unwritable output are in
// test_collect.cpp.)
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool is_root() {
    return geteuid() == 0;
}

int line_count(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

/// Checks that every complete line of a JSON Lines file is one JSON object; a cut last line
/// (no newline) is allowed only when `may_be_cut`. Returns the number of complete lines.
size_t expect_json_lines(const fs::path& file, bool may_be_cut) {
    std::ifstream in(file, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), {});
    size_t lines = 0;
    size_t start = 0;
    for (size_t end; (end = data.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = data.substr(start, end - start);
        EXPECT_TRUE(json::accept(line) && json::parse(line).is_object())
            << file << " line " << lines + 1 << ": " << line.substr(0, 200);
        ++lines;
    }
    if (!may_be_cut) {
        EXPECT_EQ(start, data.size()) << file << " ends in a cut line";
    }
    return lines;
}

/// Reads `fd` until `text` arrives ("" = until EOF), EOF, or `timeout_ms` of silence.
std::string read_until(int fd, const std::string& text, int timeout_ms) {
    std::string got;
    char buf[256];
    for (pollfd p{fd, POLLIN, 0}; text.empty() || got.find(text) == std::string::npos;) {
        if (::poll(&p, 1, timeout_ms) <= 0) break;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

TEST(Faults, ProcessChurnDuringAFullCollectionIsCountedNotFatal) {
    // 16 children in flight at any time, each living up to 2 ms: every /proc walk lists some
    // that are gone before they are read, and pids are recycled under the collectors' feet.
    int out[2];
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    const pid_t churn =
        spawn_with_fds({IRSNAP_TEST_CHILD, "--irsnap-test-churn", "16"}, -1, out[1], -1);
    close(out[1]);
    std::string said = read_until(out[0], "ready\n", 10000);
    if (said.find("ready\n") == std::string::npos) {
        kill_and_reap(churn);
        close(out[0]);
        FAIL() << "the churn never got going: " << said;
    }
    TempDir tmp("irsnap-faults");
    const auto started = std::chrono::steady_clock::now();
    auto run = run_command({irsnap_binary(), "--timeline-max-entries", "300", "-o",
                            (tmp.path() / "out").string(), "-q"});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    kill(churn, SIGTERM);
    said += read_until(out[0], "\n", 10000);  // "started N" as it ends
    close(out[0]);
    const auto churn_code = wait_exit(churn, 5000);
    if (!churn_code) kill_and_reap(churn);

    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.exit_code << "\n" << run.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(said, m, std::regex("started ([0-9]+)"))) << said;
    const long children = std::stol(m[1]);
    EXPECT_GE(children, 1000) << "too little churn to prove anything (" << seconds << " s run)";

    const fs::path bundle = only_bundle(tmp.path() / "out");
    int artifacts = 0;
    for (const auto& e : fs::directory_iterator(bundle / "artifacts")) {
        // Evidence archives (NN_samples.zip, NN_files.zip) are not records.
        if (e.path().extension() != ".jsonl") continue;
        expect_json_lines(e.path(), false);
        ++artifacts;
    }
    EXPECT_GE(artifacts, 10);
    auto verified = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.out;

    json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    long races = 0;
    for (const auto& c : manifest["collectors"]) {
        // A vanished process is a race to count, never a reason for a collector to give up.
        // (physical_memory and activity are off by default.)
        EXPECT_TRUE(
            c["status"] == "ok" || c["status"] == "partial" ||
            (c["status"] == "skipped" && c["message"] == "off by default (its option turns it on)"))
            << c.dump();
        races += c["races"].get<long>();
    }
    EXPECT_GT(races, 0) << "no collector saw a process vanish: was the churn running? "
                        << manifest["collectors"].dump();
    std::cout << "[          ] " << children << " children started around a " << seconds
              << " s collection; " << races << " races counted\n";
}

TEST(Faults, ReadOnlyOutputIsOutputUnusableWithOneLine) {
    if (!is_root() || !fs::exists("/usr/bin/unshare")) GTEST_SKIP() << "needs root and unshare";
    TempDir tmp("irsnap-faults");
    const fs::path disk = tmp.path() / "ro";
    fs::create_directory(disk);
    // Both shapes an operator meets: -o names the read-only directory itself (the bundle
    // directory cannot be made), or a new directory inside it (-o cannot be made). Without -q,
    // so any progress or note line would show. The mount lives in a private namespace only.
    for (const fs::path& target : {disk, disk / "new"}) {
        const std::string script = "mount -t tmpfs -o ro tmpfs '" + disk.string() +
                                   "' || exit 90\n"
                                   "exec '" +
                                   std::string(irsnap_binary()) + "' -o '" + target.string() +
                                   "'\n";
        auto run = run_command({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script});
        if (run.exit_code == 90) GTEST_SKIP() << "cannot mount tmpfs here: " << run.err;
        EXPECT_EQ(run.exit_code, 3) << target << "\n" << run.err;
        EXPECT_EQ(run.out, "") << target;
        EXPECT_EQ(line_count(run.err), 1) << target << "\n" << run.err;
        EXPECT_EQ(run.err.rfind("irsnap: ", 0), 0u) << run.err;
        EXPECT_NE(run.err.find("Read-only file system"), std::string::npos) << run.err;
        EXPECT_NE(run.err.find(target.string()), std::string::npos) << run.err;
    }
    EXPECT_TRUE(fs::is_empty(disk)) << "the mount leaked out of its namespace";
}

TEST(Faults, OutputRemovedMidRunEndsWithOneClearLine) {
    // What irsnap does: it holds the bundle directory and each open artifact by descriptor, so
    // after `rm -rf` the running collector keeps writing into a file with no name left, and the
    // loss shows at the next file the run must create: here the next collector's artifact
    // (that collector and the rest are then skipped), at the latest the manifest's rename. The
    // run ends with exit 3 (output unusable) and one line saying the bundle directory was
    // removed and the bundle cannot be verified. It re-creates nothing under the removed path:
    // the collected data went with the directory, and a fresh, half-empty bundle would only
    // look like evidence.
    TempDir tmp("irsnap-faults");
    const fs::path out = tmp.path() / "out";
    int err[2];
    ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
    const pid_t pid = spawn_with_fds({irsnap_binary(), "-o", out.string(), "-q", "--collectors",
                                      "system,processes,handles", "--debug-slow-ms", "10"},
                                     -1, -1, err[1]);
    close(err[1]);
    const std::string log = wait_for_log(out, "collector processes: start", 10000);
    EXPECT_NE(log, "") << "the log never showed the processes collector starting";
    const fs::path bundle = only_bundle(out);
    fs::remove_all(out);
    const std::string text = read_until(err[0], "", 60000);  // until irsnap closes stderr
    close(err[0]);
    const auto code = wait_exit(pid, 30000);
    if (!code) kill_and_reap(pid);
    ASSERT_TRUE(code.has_value()) << "irsnap hung after its output was removed";
    EXPECT_EQ(*code, 3) << text;  // not a signal: 128+N would be a crash
    // With -q: the failed collector's progress line, then the one error line; both give the
    // cause, not a bare ENOENT on a file the operator never touched.
    const std::string cause = "the bundle directory " + bundle.string() + " was removed";
    int error_lines = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        EXPECT_NE(line.find(cause), std::string::npos) << line;
        if (line.rfind("irsnap: ", 0) == 0) {
            ++error_lines;
            EXPECT_NE(line.find("cannot be verified"), std::string::npos) << line;
        }
    }
    EXPECT_EQ(error_lines, 1) << text;
    EXPECT_LE(line_count(text), 2) << text;
    EXPECT_FALSE(fs::exists(out)) << "irsnap re-created part of the removed output";
}

TEST(Faults, SigkillMidRunLeavesIntactArtifactsAndVerifySaysIncomplete) {
    TempDir tmp("irsnap-faults");
    const fs::path out = tmp.path() / "out";
    const pid_t pid = spawn({irsnap_binary(), "-o", out.string(), "-q", "--collectors",
                             "system,processes", "--debug-slow-ms", "20"});
    // By the time the second collector starts, the first one's artifact is closed and synced.
    const std::string log = wait_for_log(out, "collector processes: start", 10000);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    const auto code = wait_exit(pid, 5000);
    if (!code) kill_and_reap(pid);
    ASSERT_NE(log, "") << "the log never showed the processes collector starting";
    EXPECT_EQ(code.value_or(-1), 128 + SIGKILL);

    const fs::path bundle = only_bundle(out);
    EXPECT_FALSE(fs::exists(bundle / "manifest.json"));
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(log, m, std::regex("collector system: (ok|partial) records=([0-9]+)")))
        << log;
    const size_t system_records = std::stoul(m[2]);
    EXPECT_GT(system_records, 0u);
    // The finished artifact is whole: as many lines as the log said, every one JSON.
    EXPECT_EQ(expect_json_lines(artifact(bundle, "system"), false), system_records);
    // The one cut short holds only complete lines, whatever reached the disk.
    expect_json_lines(artifact(bundle, "processes"), true);

    auto verified = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verified.exit_code, 5) << verified.out;
    EXPECT_NE(verified.out.find("manifest.json: missing"), std::string::npos) << verified.out;
    EXPECT_NE(verified.out.find("the run was killed"), std::string::npos) << verified.out;
    // No artifact is accused: without a manifest there is nothing to call changed.
    EXPECT_EQ(verified.out.find("artifacts/"), std::string::npos) << verified.out;
    EXPECT_EQ(verified.out.find("changed"), std::string::npos) << verified.out;
    auto report = run_command({irsnap_binary(), "verify", "--json", bundle.string()});
    EXPECT_EQ(report.exit_code, 5);
    json problems = json::parse(report.out)["problems"];
    ASSERT_EQ(problems.size(), 1u) << report.out;
    EXPECT_EQ(problems[0]["path"], "manifest.json");
    EXPECT_EQ(problems[0]["problem"], "missing");
}

}  // namespace
}  // namespace irsnap::test
