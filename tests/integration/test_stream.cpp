// SPDX-License-Identifier: Apache-2.0
// `irsnap collect -o -`: the bundle as a tar on stdout, verify and unpack of it, and proof that
// the collection itself writes nothing to any disk.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "../unit/fixture_util.hpp"
#include "irsnap/tar_reader.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

void write_all(const fs::path& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

/// Member names, data offsets and sizes, read with irsnap's own reader.
struct Member {
    std::string name;
    uint64_t offset = 0;
    uint64_t size = 0;
};
std::vector<Member> members_of(const std::string& tar) {
    struct V : TarVisitor {
        std::vector<Member> out;
        const TarReader* reader = nullptr;
        uint64_t fed = 0;
        void begin(const TarMember& m) override { out.push_back({m.name, 0, m.size}); }
        void data(std::string_view) override {}
        void end() override {}
    } v;
    // Fed one header block at a time, so the offset after each begin() is the data's start.
    TarReader reader(v);
    size_t seen = 0;
    for (size_t i = 0; i < tar.size(); i += 512) {
        reader.feed(std::string_view(tar).substr(i, 512));
        if (v.out.size() > seen) {
            v.out.back().offset = i + 512;
            seen = v.out.size();
        }
    }
    return v.out;
}

/// Runs `irsnap -o -` into `tar` and checks it exited as a collection does.
void collect_to(const fs::path& tar, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {
        irsnap_binary(), "--timeline-max-entries", "300", "-o", "-", "-q"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto run = run_redirected(argv, "", tar.string());
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.exit_code << "\n" << run.err;
    EXPECT_EQ(run.err, "");
}

TEST(Stream, CollectVerifyFromFileAndStdinThenUnpack) {
    TempDir tmp("irsnap-stream");
    const fs::path tar = tmp.path() / "host.tar";
    collect_to(tar);
    const std::string bytes = read_all(tar);
    auto members = members_of(bytes);
    ASSERT_GE(members.size(), 6u);
    const std::string top = members[0].name;
    EXPECT_EQ(top.back(), '/');
    EXPECT_EQ(members[1].name, top + "artifacts/");
    EXPECT_EQ(members[2].name, top + "artifacts/01_system.jsonl");
    EXPECT_EQ(members[members.size() - 3].name, top + "collection.log");
    EXPECT_EQ(members[members.size() - 2].name, top + "manifest.json");
    EXPECT_EQ(members.back().name, top + "manifest.json.sha256");

    auto from_file = run_command({irsnap_binary(), "verify", tar.string()});
    EXPECT_EQ(from_file.exit_code, 0) << from_file.out;
    EXPECT_NE(from_file.out.find("VERIFIED"), std::string::npos) << from_file.out;
    auto from_stdin = run_redirected({irsnap_binary(), "verify", "-", "--json"}, tar.string(), "");
    EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;

    if (::access("/bin/tar", X_OK) == 0 || ::access("/usr/bin/tar", X_OK) == 0) {
        auto listed = run_command({"/bin/sh", "-c", "tar -tf '" + tar.string() + "'"});
        EXPECT_EQ(listed.exit_code, 0) << listed.err;  // an ordinary tar reads it too
        EXPECT_NE(listed.out.find("manifest.json.sha256"), std::string::npos);
    }

    const fs::path into = tmp.path() / "into";
    fs::create_directories(into);
    auto unpacked = run_command({irsnap_binary(), "unpack", tar.string(), into.string()});
    ASSERT_EQ(unpacked.exit_code, 0) << unpacked.out << unpacked.err;
    const fs::path bundle = into / top.substr(0, top.size() - 1);
    json manifest = json::parse(read_all(bundle / "manifest.json"));
    EXPECT_EQ(manifest["output"], "stream");
    EXPECT_EQ(manifest["options"]["output"], "-");
    auto verified = run_command({irsnap_binary(), "verify", bundle.string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.out;

    // Never over an existing bundle.
    auto again = run_command({irsnap_binary(), "unpack", tar.string(), into.string()});
    EXPECT_EQ(again.exit_code, 3) << again.out;
    EXPECT_NE(again.err.find("refusing to overwrite"), std::string::npos) << again.err;
}

TEST(Stream, TruncatedOrFlippedStreamFailsVerifyNamingTheMember) {
    TempDir tmp("irsnap-stream");
    const fs::path tar = tmp.path() / "host.tar";
    collect_to(tar, {"--collectors", "system,processes,network"});
    const std::string bytes = read_all(tar);
    auto members = members_of(bytes);
    const std::string top = members[0].name;
    const Member* processes = nullptr;
    std::string before;
    for (size_t i = 0; i < members.size(); ++i) {
        if (members[i].name.find("_processes.jsonl") != std::string::npos) {
            processes = &members[i];
            before = members[i - 1].name.substr(top.size());
        }
    }
    ASSERT_NE(processes, nullptr);
    ASSERT_GT(processes->size, 10u);
    const std::string processes_rel = processes->name.substr(top.size());

    // Cut mid-artifact: the connection dropped.
    const fs::path cut = tmp.path() / "cut.tar";
    write_all(cut, bytes.substr(0, processes->offset + processes->size / 2));
    auto truncated = run_command({irsnap_binary(), "verify", cut.string()});
    EXPECT_EQ(truncated.exit_code, 5) << truncated.out;
    EXPECT_NE(truncated.out.find("incomplete"), std::string::npos) << truncated.out;
    EXPECT_NE(truncated.out.find("last complete member: " + before), std::string::npos)
        << before << " not named in:\n"
        << truncated.out;
    EXPECT_NE(truncated.out.find(processes_rel), std::string::npos) << truncated.out;

    // One byte flipped inside the artifact's data.
    std::string flipped = bytes;
    flipped[processes->offset + processes->size / 2] ^= 0x01;
    const fs::path bad = tmp.path() / "flipped.tar";
    write_all(bad, flipped);
    auto changed = run_command({irsnap_binary(), "verify", bad.string(), "--json"});
    EXPECT_EQ(changed.exit_code, 5) << changed.out;
    json report = json::parse(changed.out);
    ASSERT_EQ(report["problems"].size(), 1u) << changed.out;
    EXPECT_EQ(report["problems"][0]["path"], processes_rel);
    EXPECT_EQ(report["problems"][0]["problem"], "changed");

    // Nothing is extracted from a stream that does not verify.
    const fs::path into = tmp.path() / "into";
    fs::create_directories(into);
    auto unpacked = run_command({irsnap_binary(), "unpack", bad.string(), into.string()});
    EXPECT_EQ(unpacked.exit_code, 5);
    EXPECT_TRUE(fs::is_empty(into));
}

/// Runs irsnap with `args` writing its stream into a small pipe, reads one chunk and closes the
/// reading end (the reader goes away), then returns irsnap's exit code and its stderr.
std::pair<int, std::string> run_with_vanishing_reader(const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return {-1, "pipe2 failed"};
    // A small pipe, so the bundle can never fit in it before the reader goes.
    fcntl(out[1], F_SETPIPE_SZ, 4096);
    std::vector<std::string> argv{irsnap_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = spawn_with_fds(argv, -1, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    char buf[512];
    EXPECT_GT(read(out[0], buf, sizeof buf), 0);  // the stream began; now the reader goes away
    close(out[0]);
    std::string text;
    for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) text.append(buf, n);
    close(err[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status)) return {128 + WTERMSIG(status), text};
    return {WEXITSTATUS(status), text};
}

TEST(Stream, ClosedStdoutIsOutputUnusableWithOneLine) {
    const auto [code, text] =
        run_with_vanishing_reader({"--timeline-max-entries", "300", "-o", "-", "-q"});
    EXPECT_EQ(code, 3) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_NE(text.find("Broken pipe"), std::string::npos) << text;
}

TEST(Stream, HeadClosingTheStreamGivesExactlyOneLineWithoutQuiet) {
    // `irsnap -o - | head`: the reader goes after a few lines of the first artifact. stderr got
    // the start line, a "failed ... Broken pipe" line per collector and then the error line
    // (three or more); the README promises one line, with or without -q.
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto run = run_command(
            {"/bin/bash", "-c", "set -o pipefail; \"$0\" -o - | head >/dev/null", irsnap_binary()});
        EXPECT_EQ(run.exit_code, 3) << run.err;
        EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
        EXPECT_EQ(run.err.rfind("irsnap: ", 0), 0u) << run.err;
        EXPECT_NE(run.err.find("Broken pipe"), std::string::npos) << run.err;
    }
    // The reader gone before the first artifact: the same one line.
    const auto [code, text] =
        run_with_vanishing_reader({"--timeline-max-entries", "300", "-o", "-"});
    EXPECT_EQ(code, 3) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_EQ(text.rfind("irsnap: ", 0), 0u) << text;
}

TEST(Stream, ReaderGoneMidCollectorStopsTheRunPromptly) {
    // A dropped ssh connection while a collector is busy: the run must stop within about a
    // second, not when the next artifact is written (here one collector, every record slowed
    // down: it would take half a minute or more).
    int out[2], err[2];
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
    pid_t pid = spawn_with_fds(
        {irsnap_binary(), "-o", "-", "-q", "--collectors", "modules", "--debug-slow-ms", "100"}, -1,
        out[1], err[1]);
    close(out[1]);
    close(err[1]);
    char buf[512];
    // Read what comes at once (the bundle's directory entries); a second of silence means the
    // collector is busy. Then the reader goes.
    size_t received = 0;
    for (pollfd p{out[0], POLLIN, 0}; poll(&p, 1, 1000) > 0;) {
        const ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        received += static_cast<size_t>(n);
    }
    EXPECT_GT(received, 0u);
    const auto closed_at = std::chrono::steady_clock::now();
    close(out[0]);
    std::string text;
    for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) text.append(buf, n);
    close(err[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - closed_at).count();
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 3) << text;
    EXPECT_LT(seconds, 5.0) << text;
}

TEST(Stream, StdoutClosedAtStartIsOutputUnusableNotAStreamIntoNowhere) {
    // A closed fd 1 is replaced by /dev/null at start-up (so no file takes its number); the
    // stream must then refuse, not pour the bundle into /dev/null and print DONE.
    auto run = run_redirected({"/bin/sh", "-c", "exec \"$0\" -o - >&-", irsnap_binary()}, "", "");
    EXPECT_EQ(run.exit_code, 3) << run.err;
    EXPECT_NE(run.err.find("stdout is closed"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("DONE"), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST(Stream, TerminalOrJsonOnStdoutIsAUsageError) {
    auto json_run = run_redirected(
        {irsnap_binary(), "--timeline-max-entries", "300", "-o", "-", "--json"}, "", "/dev/null");
    EXPECT_EQ(json_run.exit_code, 2) << json_run.err;

    // A tar on an operator's terminal helps nobody: stdout a pseudo-terminal is refused.
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(master, 0);
    ASSERT_EQ(grantpt(master), 0);
    ASSERT_EQ(unlockpt(master), 0);
    int terminal = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(terminal, 0);
    int err[2];
    ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
    pid_t pid = spawn_with_fds({irsnap_binary(), "--timeline-max-entries", "300", "-o", "-"}, -1,
                               terminal, err[1]);
    close(terminal);
    close(err[1]);
    std::string text;
    char buf[512];
    for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) text.append(buf, n);
    close(err[0]);
    auto code = wait_exit(pid, 30000);
    close(master);
    EXPECT_EQ(code.value_or(-1), 2) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_NE(text.find("terminal"), std::string::npos) << text;
}

std::set<std::string> listing(const fs::path& dir) {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
    return out;
}

TEST(Stream, CollectionWritesNoFileAnywhere) {
    IRSNAP_NEED_TOOL(::access("/usr/bin/strace", X_OK) == 0 || ::access("/bin/strace", X_OK) == 0,
                     "strace");
    // The filter itself must see what a directory run does.
    size_t ignored = 0;
    EXPECT_EQ(writes_in_trace("12 openat(AT_FDCWD, \"/o/x\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 3\n"
                              "12 mkdirat(4, \"artifacts\", 0700) = 0\n"
                              "12 renameat(3, \"m.tmp\", 3, \"m\") = 0\n"
                              "12 readlinkat(AT_FDCWD, \"/bin\", \"usr/bin\", 256) = 7\n"
                              "12 openat(AT_FDCWD, \"/dev/null\", O_RDWR) = 3\n"
                              "12 openat(AT_FDCWD, \"/x\", O_RDWR|O_CREAT) = -1 EACCES\n",
                              ignored)
                  .size(),
              3u);
    TempDir tmp("irsnap-stream");
    const fs::path cwd = tmp.path() / "cwd";
    fs::create_directories(cwd);
    const fs::path exe_dir = fs::path(irsnap_binary()).parent_path();
    const std::vector<fs::path> watched = {"/tmp", "/var/tmp", "/dev/shm", cwd, exe_dir};
    std::vector<std::set<std::string>> before;
    for (const auto& d : watched) before.push_back(listing(d));

    const fs::path trace = tmp.path() / "trace.txt";
    const fs::path tar = tmp.path() / "host.tar";
    // LeakSanitizer cannot run under ptrace: an ASan build would die at exit under strace. The
    // leak check belongs to the rest of the suite, not to this footprint test.
    auto run = run_redirected({"/usr/bin/env", "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1",
                               "/usr/bin/strace", "-f", "-e", "trace=%file", "-o", trace.string(),
                               irsnap_binary(), "--timeline-max-entries", "300", "-o", "-", "-q"},
                              "", tar.string(), cwd.string());
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const std::string text = read_all(trace);
    ASSERT_NE(text.find("/proc/"), std::string::npos) << "the trace looks empty:\n" << text;
    size_t opens_seen = 0;
    auto writes = writes_in_trace(text, opens_seen);
    EXPECT_GT(opens_seen, 10u) << "the trace was not parsed:\n" << text.substr(0, 2000);
    std::string joined;
    for (const auto& w : writes) joined += w + "\n";
    EXPECT_TRUE(writes.empty()) << "file system changes during -o -:\n" << joined;

    // The test's own temp dir (holding the trace and the tar) is the one new /tmp entry we
    // made before; others on a shared machine may add theirs, so /tmp, /var/tmp and /dev/shm
    // are checked for anything named like our bundle, and cwd and the executable's directory
    // must not change at all.
    const std::string bundle = members_of(read_all(tar)).at(0).name;
    const std::string bundle_name = bundle.substr(0, bundle.size() - 1);
    for (size_t i = 0; i < watched.size(); ++i) {
        auto after = listing(watched[i]);
        for (const auto& name : after) {
            if (before[i].count(name)) continue;
            if (i >= 3) {
                ADD_FAILURE() << "new entry " << (watched[i] / name);
            } else if (name.find(bundle_name.substr(0, bundle_name.find('_'))) == 0 ||
                       name.find("manifest") != std::string::npos) {
                ADD_FAILURE() << "new entry " << (watched[i] / name);
            }
        }
    }
}

TEST(Stream, InterruptedStreamEndsWithAnInterruptedManifestThatVerifies) {
    TempDir tmp("irsnap-stream");
    const fs::path tar = tmp.path() / "host.tar";
    int out_fd = open(tar.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ASSERT_GE(out_fd, 0);
    int err[2];
    ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
    // A stream run prints no line per collector, so the tar itself says the run is under way:
    // past its two directory members (512 bytes each), the first artifact has been sent.
    pid_t pid = spawn_with_fds(
        {irsnap_binary(), "--timeline-max-entries", "300", "-o", "-", "--debug-slow-ms", "50"}, -1,
        out_fd, err[1]);
    close(out_fd);
    close(err[1]);
    std::string text;
    char buf[4096];
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::error_code ec;
    while (fs::file_size(tar, ec) <= 1024 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GT(fs::file_size(tar, ec), 1024u) << "no artifact in the stream after 60 s";
    ASSERT_EQ(kill(pid, SIGINT), 0);
    for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) text.append(buf, n);
    close(err[0]);
    auto code = wait_exit(pid, 30000);
    if (!code) kill_and_reap(pid);
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 4) << text;

    auto verified = run_command({irsnap_binary(), "verify", tar.string(), "--json"});
    EXPECT_EQ(verified.exit_code, 0) << verified.out;
    json report = json::parse(verified.out);
    EXPECT_EQ(report["run_status"], "interrupted");
    EXPECT_EQ(
        members_of(read_all(tar)).back().name.find("manifest.json.sha256") != std::string::npos,
        true);
}

}  // namespace
}  // namespace irsnap::test
