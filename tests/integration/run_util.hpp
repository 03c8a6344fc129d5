// SPDX-License-Identifier: Apache-2.0
// Running the real irsnap binary and children for integration tests.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace irsnap::test {

struct RunResult {
    int exit_code = -1;  ///< exit status, or 128+signal
    std::string out;
    std::string err;
};

/// True when IRSNAP_REQUIRE_TOOLS=1 (scripts/test.sh sets it, so CI has it).
bool tools_required();

/// For a test that needs a tool scripts/install-deps.sh installs: skipped where the tool is
/// missing, but failed under IRSNAP_REQUIRE_TOOLS=1, so that on a fresh machine a missing
/// install step cannot pass as a skip.
#define IRSNAP_NEED_TOOL(present, what)                                                     \
    do {                                                                                    \
        if (!(present)) {                                                                   \
            if (::irsnap::test::tools_required()) {                                         \
                FAIL() << (what) << " is missing (IRSNAP_REQUIRE_TOOLS=1; "                 \
                       << "scripts/install-deps.sh --test installs it)";                    \
            }                                                                               \
            GTEST_SKIP() << (what) << " is not installed (scripts/install-deps.sh --test)"; \
        }                                                                                   \
    } while (0)

/// True when `tool` is on PATH (command -v).
bool have_tool(const std::string& tool);

/// Runs argv[0] with argv, waits, captures stdout and stderr. `cwd` empty = inherit.
RunResult run_command(const std::vector<std::string>& argv, const std::string& cwd = "");

/// Starts argv in the background with the given cwd; stdout/stderr to /dev/null.
pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd = "");

/// Starts argv with the given descriptors as its stdin, stdout and stderr (-1: /dev/null).
pid_t spawn_with_fds(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd,
                     const std::string& cwd = "");

/// Runs argv with stdin from `stdin_path` ("" = /dev/null) and stdout into `stdout_path`
/// (created; "" = captured in out), waits, captures stderr.
RunResult run_redirected(const std::vector<std::string>& argv, const std::string& stdin_path,
                         const std::string& stdout_path, const std::string& cwd = "");

/// Kills (SIGKILL) and reaps.
void kill_and_reap(pid_t pid);

/// Waits up to `timeout_ms`; returns the exit code (or 128+signal), nullopt on timeout.
std::optional<int> wait_exit(pid_t pid, int timeout_ms);

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path);

/// Waits up to `timeout_ms` until the collection.log of a bundle under `out` contains `text`
/// (e.g. "collector processes: start"); returns the log's text then, "" on timeout.
std::string wait_for_log(const std::filesystem::path& out, const std::string& text, int timeout_ms);

/// What `writes_in_trace` reports of an strace log.
enum class TraceWrites {
    /// Successful changes outside the pseudo file systems (/proc, /sys, /dev/null).
    succeeded_on_disk,
    /// Every attempt, failed or not, wherever it points.
    every_attempt,
};

/// Lines of an `strace -f -e trace=%file` log (with or without -y) that open a file for
/// writing or change the file system (mkdir, rename, unlink, chmod ...). `opens_seen` counts
/// every open, so a caller can tell an empty result from a log that was not parsed.
std::vector<std::string> writes_in_trace(const std::string& trace, size_t& opens_seen,
                                         TraceWrites which = TraceWrites::succeeded_on_disk);

/// The system call name of an strace -f line ("PID name(args) = result"), "" for other lines
/// (a "<... name resumed>" tail, a signal, an exit).
std::string trace_call_name(const std::string& line);

/// The single bundle directory under `out`.
std::filesystem::path only_bundle(const std::filesystem::path& out);

/// The artifact named `NN_<collector>.jsonl`.
std::filesystem::path artifact(const std::filesystem::path& bundle, const std::string& collector);

/// Parses "2026-11-22T01:15:02.123456Z" to seconds since the epoch.
double parse_rfc3339(const std::string& text);

std::string file_sha256(const std::filesystem::path& path);

const char* irsnap_binary();

/// Whether the ELF file has a program interpreter (PT_INTERP): a dynamically linked executable
/// that the dynamic loader, and so LD_PRELOAD, would act on. nullopt when not a 64-bit ELF.
std::optional<bool> has_interpreter(const std::filesystem::path& path);

/// This process's network namespace inode: sockets of other namespaces (other tests, other
/// sessions on a shared machine) may reuse any port number.
uint64_t own_netns();

}  // namespace irsnap::test
