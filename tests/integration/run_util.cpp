// SPDX-License-Identifier: Apache-2.0
#include "run_util.hpp"

#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "irsnap/hash.hpp"

namespace irsnap::test {

namespace fs = std::filesystem;

const char* irsnap_binary() {
    return IRSNAP_BINARY;
}

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

RunResult run_command(const std::vector<std::string>& argv, const std::string& cwd) {
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    auto args = c_argv(argv);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
        execv(args[0], args.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    RunResult result;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = decode_status(status);
    return result;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd) {
    auto args = c_argv(argv);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

pid_t spawn_with_fds(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd,
                     const std::string& cwd) {
    auto args = c_argv(argv);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int fds[3] = {in_fd, out_fd, err_fd};
        // Through high numbers first, so one target never overwrites another's source.
        for (int i = 0; i < 3; ++i) fds[i] = fcntl(fds[i] < 0 ? devnull : fds[i], F_DUPFD, 10);
        for (int i = 0; i < 3; ++i) dup2(fds[i], i);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

RunResult run_redirected(const std::vector<std::string>& argv, const std::string& stdin_path,
                         const std::string& stdout_path, const std::string& cwd) {
    int in_fd = stdin_path.empty() ? -1 : open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
    int out_fd = stdout_path.empty()
                     ? -1
                     : open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = spawn_with_fds(argv, in_fd, out_fd, err_pipe[1], cwd);
    close(err_pipe[1]);
    if (in_fd >= 0) close(in_fd);
    if (out_fd >= 0) close(out_fd);
    RunResult result;
    char buf[65536];
    for (ssize_t n; (n = read(err_pipe[0], buf, sizeof buf)) > 0;) {
        result.err.append(buf, static_cast<size_t>(n));
    }
    close(err_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = decode_status(status);
    return result;
}

void kill_and_reap(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
}

std::optional<int> wait_exit(pid_t pid, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) return decode_status(status);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

std::vector<nlohmann::json> read_jsonl(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::vector<nlohmann::json> out;
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
}

std::string wait_for_log(const fs::path& out, const std::string& text, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(out, ec)) {
            std::ifstream log(e.path() / "collection.log");
            std::string log_text((std::istreambuf_iterator<char>(log)), {});
            if (log_text.find(text) != std::string::npos) return log_text;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return {};
}

std::string trace_call_name(const std::string& line) {
    const size_t name_start = line.find_first_not_of(' ', line.find(' '));
    const size_t paren = line.find('(');
    if (name_start == std::string::npos || paren == std::string::npos || paren < name_start) {
        return {};
    }
    std::string name = line.substr(name_start, paren - name_start);
    const bool identifier =
        !name.empty() &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
    return identifier ? name : std::string();
}

std::vector<std::string> writes_in_trace(const std::string& trace, size_t& opens_seen,
                                         TraceWrites which) {
    std::vector<std::string> found;
    std::istringstream lines(trace);
    for (std::string line; std::getline(lines, line);) {
        // "PID syscall(args) = result"; an unfinished call (threads) counts as an attempt.
        const std::string call = trace_call_name(line);
        if (call.empty()) continue;
        const bool failed = line.find(" = -1 ") != std::string::npos;
        const bool opens =
            call == "open" || call == "openat" || call == "openat2" || call == "creat";
        if (opens) ++opens_seen;
        const bool writable = line.find("O_CREAT") != std::string::npos ||
                              line.find("O_WRONLY") != std::string::npos ||
                              line.find("O_RDWR") != std::string::npos;
        static const std::set<std::string> k_changing = {
            "mkdir",    "mkdirat",   "rename",     "renameat", "renameat2", "unlink",
            "unlinkat", "link",      "linkat",     "symlink",  "symlinkat", "rmdir",
            "mknod",    "mknodat",   "truncate",   "chmod",    "fchmodat",  "chown",
            "fchownat", "lchown",    "utime",      "utimes",   "utimensat", "futimesat",
            "setxattr", "lsetxattr", "removexattr"};
        const bool changes = k_changing.count(call) > 0;
        if (!((opens && writable) || changes)) continue;
        if (which == TraceWrites::succeeded_on_disk) {
            if (failed) continue;
            if (line.find("\"/proc/") != std::string::npos ||
                line.find("\"/dev/null\"") != std::string::npos ||
                line.find("\"/sys/") != std::string::npos) {
                continue;
            }
        }
        found.push_back(line);
    }
    return found;
}

fs::path only_bundle(const fs::path& out) {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(out)) {
        if (e.is_directory()) found.push_back(e.path());
    }
    if (found.size() != 1) {
        throw std::runtime_error("expected one bundle in " + out.string() + ", found " +
                                 std::to_string(found.size()));
    }
    return found[0];
}

fs::path artifact(const fs::path& bundle, const std::string& collector) {
    for (const auto& e : fs::directory_iterator(bundle / "artifacts")) {
        std::string name = e.path().filename().string();
        std::string suffix = "_" + collector + ".jsonl";
        // Only digits before the suffix: "08_hidden_processes.jsonl" also ends in
        // "_processes.jsonl".
        if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix &&
            name.find_first_not_of("0123456789") == name.size() - suffix.size()) {
            return e.path();
        }
    }
    throw std::runtime_error("no artifact for " + collector + " in " + bundle.string());
}

double parse_rfc3339(const std::string& text) {
    std::tm tm{};
    const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) throw std::runtime_error("bad time " + text);
    double fraction = 0;
    if (*rest == '.') fraction = std::stod(std::string("0") + std::string(rest, rest + 7));
    return static_cast<double>(timegm(&tm)) + fraction;
}

std::string file_sha256(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return sha256_hex(data);
}

uint64_t own_netns() {
    const std::string link = std::filesystem::read_symlink("/proc/self/ns/net").string();
    const size_t open = link.find('[');
    return std::stoull(link.substr(open + 1));  // "net:[4026531840]"
}

bool tools_required() {
    const char* value = std::getenv("IRSNAP_REQUIRE_TOOLS");
    return value != nullptr && std::string_view(value) == "1";
}

bool have_tool(const std::string& tool) {
    return run_command({"/bin/sh", "-c", "command -v " + tool}).exit_code == 0;
}

/// Whether the ELF file has a program interpreter (PT_INTERP): a dynamically linked executable
/// that the dynamic loader, and so LD_PRELOAD, would act on.
std::optional<bool> has_interpreter(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() < sizeof(Elf64_Ehdr) || data.compare(0, SELFMAG, ELFMAG) != 0 ||
        data[EI_CLASS] != ELFCLASS64) {
        return std::nullopt;
    }
    Elf64_Ehdr header;
    std::memcpy(&header, data.data(), sizeof header);
    for (size_t i = 0; i < header.e_phnum; ++i) {
        const size_t at = header.e_phoff + i * header.e_phentsize;
        if (at + sizeof(Elf64_Phdr) > data.size()) return std::nullopt;
        Elf64_Phdr program;
        std::memcpy(&program, data.data() + at, sizeof program);
        if (program.p_type == PT_INTERP) return true;
    }
    return false;
}

}  // namespace irsnap::test
