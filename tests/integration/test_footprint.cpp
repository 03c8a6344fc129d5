// SPDX-License-Identifier: Apache-2.0
// Forensic soundness of a full collection: under strace, every file written lies in the output
// directory, the only program executed is irsnap itself and the only sockets are netlink; and a
// readdir-hooking LD_PRELOAD library, which hides a process from dynamically linked tools,
// changes nothing for the static binary. (With -o -, that nothing is written at all is
// Stream.CollectionWritesNoFileAnywhere in test_stream.cpp.)
#include <gtest/gtest.h>

#include <elf.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

bool have_strace() {
    return ::access("/usr/bin/strace", X_OK) == 0;
}

/// The top-level arguments of an strace line, as printed: "5</d>", "\"name\"", "O_RDONLY".
/// Commas inside strings, structures, arrays and fd decorations do not split.
std::vector<std::string> trace_args(const std::string& line) {
    std::vector<std::string> args;
    size_t i = line.find('(');
    if (i == std::string::npos) return args;
    std::string current;
    int depth = 0;
    bool quoted = false;
    for (++i; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            current += c;
            if (c == '\\' && i + 1 < line.size()) {
                current += line[++i];
            } else if (c == '"') {
                quoted = false;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '(' || c == '[' || c == '{' || c == '<') {
            ++depth;
        } else if (c == '>' || c == ']' || c == '}' || (c == ')' && depth > 0)) {
            --depth;
        } else if (c == ')' || (c == ',' && depth == 0)) {
            args.push_back(current);
            current.clear();
            if (c == ')') return args;
            if (i + 1 < line.size() && line[i + 1] == ' ') ++i;
            continue;
        }
        current += c;
    }
    // An unfinished call (another thread ran meanwhile): the arguments printed so far.
    const size_t cut = current.find(" <unfinished");
    if (cut != std::string::npos) current.resize(cut);
    if (!current.empty()) args.push_back(current);
    return args;
}

/// "\"a\\\"b\"" -> a"b; strace escapes only quotes, backslashes and unprintable bytes.
std::string unquote(const std::string& arg) {
    if (arg.size() < 2 || arg.front() != '"') return {};
    std::string out;
    for (size_t i = 1; i + 1 < arg.size(); ++i) {
        if (arg[i] == '\\' && i + 2 < arg.size()) ++i;
        out += arg[i];
    }
    return out;
}

/// The directory a dirfd argument stands for: "AT_FDCWD" (the cwd), or strace -y's
/// decoration "5</path>" / "AT_FDCWD</path>"; empty when it cannot be told.
fs::path dirfd_path(const std::string& arg, const fs::path& cwd) {
    const size_t open = arg.find("</");
    if (open != std::string::npos && arg.back() == '>') {
        return arg.substr(open + 1, arg.size() - open - 2);
    }
    return arg == "AT_FDCWD" ? cwd : fs::path();
}

/// Which arguments of a writing call name a path: {dirfd index or -1, path index} each;
/// empty for a call this test does not know.
std::vector<std::pair<int, int>> path_arguments(const std::string& call) {
    static const std::set<std::string> k_path_first = {
        "open",  "creat",  "mkdir", "unlink", "rmdir",    "mknod",     "truncate",   "chmod",
        "chown", "lchown", "utime", "utimes", "setxattr", "lsetxattr", "removexattr"};
    static const std::set<std::string> k_dirfd_first = {"openat",   "openat2",   "mkdirat",
                                                        "unlinkat", "mknodat",   "fchmodat",
                                                        "fchownat", "utimensat", "futimesat"};
    if (k_path_first.count(call)) return {{-1, 0}};
    if (k_dirfd_first.count(call)) return {{0, 1}};
    if (call == "rename") return {{-1, 0}, {-1, 1}};
    if (call == "renameat" || call == "renameat2") return {{0, 1}, {2, 3}};
    if (call == "link" || call == "symlink") return {{-1, 1}};
    if (call == "linkat") return {{2, 3}};
    if (call == "symlinkat") return {{1, 2}};
    return {};
}

bool inside(const fs::path& path, const fs::path& dir) {
    const fs::path rel = path.lexically_normal().lexically_relative(dir.lexically_normal());
    return !rel.empty() && *rel.begin() != "..";
}

/// Every write attempt in an `strace -f -y -e trace=%file` log (failed ones too) whose target,
/// resolved against its dirfd or `cwd`, lies outside `out`; one line per offence.
std::vector<std::string> writes_outside(const std::string& trace, const fs::path& cwd,
                                        const fs::path& out, size_t& opens_seen) {
    std::vector<std::string> offences;
    for (const auto& line : writes_in_trace(trace, opens_seen, TraceWrites::every_attempt)) {
        const std::string call = trace_call_name(line);
        const auto args = trace_args(line);
        const auto where = path_arguments(call);
        if (where.empty()) offences.push_back("unknown writing call: " + line);
        for (const auto& [dirfd, path_at] : where) {
            if (path_at >= static_cast<int>(args.size())) {
                offences.push_back("unparsed: " + line);
                continue;
            }
            const std::string path_arg = args[path_at];
            fs::path base = dirfd < 0 ? cwd : dirfd_path(args[dirfd], cwd);
            if (base.empty()) {
                offences.push_back("unresolved dirfd: " + line);
                continue;
            }
            // utimensat(fd, NULL, ...) acts on the fd itself.
            const fs::path target =
                (path_arg == "NULL" ? base : base / unquote(path_arg)).lexically_normal();
            if (!inside(target, out)) offences.push_back(target.string() + " <- " + line);
        }
        // The kernel's own name for what an open returned (strace -y), symlinks resolved.
        const size_t ret = line.rfind(") = ");
        const size_t deco = ret == std::string::npos ? ret : line.find("</", ret);
        if (deco != std::string::npos && line.back() == '>') {
            const fs::path opened = line.substr(deco + 1, line.size() - deco - 2);
            if (!inside(opened, out)) offences.push_back(opened.string() + " <- " + line);
        }
    }
    return offences;
}

TEST(Footprint, TraceParserCatchesWritesOutsideTheOutput) {
    // The parser must find what a test could miss: ".." out of the output, a rename out of or
    // into it, an fd it cannot resolve, a write refused by the kernel (an attempt is a finding).
    const std::string trace =
        "9 execve(\"/x/irsnap\", [\"irsnap\", \"-o\", \"out\"], 0x1 /* 3 vars */) = 0\n"
        "9 mkdir(\"out\", 0700) = 0\n"
        "9 mkdirat(4</c/out>, \"b\", 0700) = 0\n"
        "9 openat(5</c/out/b>, \"x, y\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 6</c/out/b/x, y>\n"
        "9 openat(AT_FDCWD</c>, \"/etc/hostname\", O_RDONLY|O_NOATIME) = 7</etc/hostname>\n"
        "9 openat(5</c/out/b>, \"../../evil\", O_WRONLY|O_CREAT, 0600) = -1 EACCES (Denied)\n"
        "9 renameat(5</c/out/b>, \"m.tmp\", 8</etc>, \"passwd\") = 0\n"
        "9 openat(7, \"x\", O_RDWR) = 3\n"
        "9 openat(AT_FDCWD</c>, \"out/b/l\", O_WRONLY|O_CREAT, 0600) = 3</tmp/elsewhere>\n"
        "10 openat(AT_FDCWD</c>, \"/c/o2\", O_RDWR <unfinished ...>\n"
        "10 <... openat resumed>) = 3</c/o2>\n";
    size_t opens = 0;
    auto offences = writes_outside(trace, "/c", "/c/out", opens);
    EXPECT_EQ(opens, 6u);
    std::string joined;
    for (const auto& o : offences) joined += o + "\n";
    ASSERT_EQ(offences.size(), 5u) << joined;
    EXPECT_EQ(offences[0].rfind("/c/evil <- ", 0), 0u) << joined;
    EXPECT_EQ(offences[1].rfind("/etc/passwd <- ", 0), 0u) << joined;
    EXPECT_EQ(offences[2].rfind("unresolved dirfd: ", 0), 0u) << joined;
    EXPECT_EQ(offences[3].rfind("/tmp/elsewhere <- ", 0), 0u) << joined;
    EXPECT_EQ(offences[4].rfind("/c/o2 <- ", 0), 0u) << joined;
}

TEST(Footprint, FullCollectionWritesOnlyItsOutputExecsNothingAndUsesOnlyNetlink) {
    IRSNAP_NEED_TOOL(have_strace(), "strace");
    TempDir tmp("irsnap-footprint");
    const fs::path cwd = tmp.path() / "cwd";
    fs::create_directories(cwd);
    const fs::path trace = tmp.path() / "trace.txt";
    // A relative -o, so the parser must resolve against the cwd as the kernel does. -y names
    // the file behind every fd; --seccomp-bpf stops only at the traced calls (a full run
    // makes hundreds of thousands of others). LeakSanitizer cannot run under ptrace, so an
    // ASan build has it off here (see Stream.CollectionWritesNoFileAnywhere).
    auto run = run_command(
        {"/usr/bin/env", "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1", "/usr/bin/strace", "-f",
         "-y", "--seccomp-bpf", "-e", "trace=%file,%network,execve,execveat,ptrace", "-o",
         trace.string(), irsnap_binary(), "--timeline-max-entries", "300", "-o", "out", "-q"},
        cwd.string());
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.exit_code << "\n" << run.err;
    const fs::path out = cwd / "out";
    auto verified = run_command({irsnap_binary(), "verify", only_bundle(out).string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.out;

    const std::string text = read_all(trace);
    size_t opens_seen = 0;
    const auto offences = writes_outside(text, cwd, out, opens_seen);
    EXPECT_GT(opens_seen, 100u) << "the trace was not parsed:\n" << text.substr(0, 2000);
    std::string joined;
    for (const auto& o : offences) joined += o + "\n";
    EXPECT_TRUE(offences.empty()) << "written outside " << out << ":\n" << joined;

    int execs = 0, sockets = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const std::string call = trace_call_name(line);
        if (call == "execve") {
            ++execs;
            const auto args = trace_args(line);
            ASSERT_FALSE(args.empty()) << line;
            EXPECT_EQ(unquote(args[0]), irsnap_binary()) << "executed: " << line;
        }
        EXPECT_NE(call, "execveat") << line;
        // Only a dump (--dump-pid, --dump-suspicious) stops a process: a default run never.
        EXPECT_NE(call, "ptrace") << line;
        if (call == "socket") {
            ++sockets;
            const auto args = trace_args(line);
            EXPECT_TRUE(!args.empty() && args[0] == "AF_NETLINK") << "non-netlink socket: " << line;
        }
        EXPECT_NE(call, "socketpair") << line;  // AF_UNIX by definition
        // bind/connect/sendto name an address family only for the sockets above; any other
        // than netlink would be the network reached.
        const size_t family = line.find("sa_family=");
        if (family != std::string::npos) {
            EXPECT_EQ(line.compare(family, 20, "sa_family=AF_NETLINK"), 0) << line;
        }
    }
    EXPECT_EQ(execs, 1) << "irsnap itself, started by strace, and nothing else";
    EXPECT_GT(sockets, 0) << "no socket() seen: the network collectors use netlink";
}

bool lists_entry(const std::string& listing, const std::string& name) {
    std::istringstream lines(listing);
    for (std::string line; std::getline(lines, line);) {
        if (line == name) return true;
    }
    return false;
}

TEST(Footprint, ReaddirHookInLdPreloadChangesNothing) {
    const auto dynamic = has_interpreter(irsnap_binary());
    ASSERT_TRUE(dynamic.has_value()) << irsnap_binary() << " is not a 64-bit ELF file";
    if (*dynamic) {
        GTEST_SKIP() << irsnap_binary()
                     << " has a program interpreter (not the static release build, e.g. ASan): "
                        "LD_PRELOAD would apply to it";
    }
    const pid_t child = spawn({IRSNAP_TEST_CHILD});
    const std::string pid = std::to_string(child);
    const std::vector<std::string> preload = {
        "/usr/bin/env", std::string("LD_PRELOAD=") + IRSNAP_HIDE_READDIR, "IRSNAP_HIDE=" + pid};

    // First, the hook must work, or this test could not fail: a dynamically linked ls loses
    // the child from /proc with it, and sees it without.
    auto plain = run_command({"/bin/ls", "/proc"});
    auto hooked_argv = preload;
    hooked_argv.insert(hooked_argv.end(), {"/bin/ls", "/proc"});
    auto hooked = run_command(hooked_argv);
    TempDir tmp("irsnap-footprint");
    auto irsnap_argv = preload;
    irsnap_argv.insert(irsnap_argv.end(), {irsnap_binary(), "-o", (tmp.path() / "out").string(),
                                           "-q", "--collectors", "processes,hidden_processes"});
    auto run = run_command(irsnap_argv);
    kill_and_reap(child);

    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    ASSERT_EQ(hooked.exit_code, 0) << hooked.err;
    ASSERT_TRUE(lists_entry(plain.out, pid)) << "child " << pid << " not in /proc";
    ASSERT_FALSE(lists_entry(hooked.out, pid)) << "the LD_PRELOAD hook did not hide " << pid;
    ASSERT_TRUE(lists_entry(hooked.out, "1")) << "the hook hid more than one entry";

    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.exit_code << "\n" << run.err;
    const fs::path bundle = only_bundle(tmp.path() / "out");
    bool found = false;
    for (const auto& r : read_jsonl(artifact(bundle, "processes"))) {
        if (r["pid"] == child) found = true;
    }
    EXPECT_TRUE(found) << "child " << pid << " missing from processes.jsonl under the hook";
    // Nor does the cross-view check see a hidden pid: irsnap's own listing was never hooked.
    for (const auto& r : read_jsonl(artifact(bundle, "hidden_processes"))) {
        if (r.contains("pid")) {
            EXPECT_NE(r["pid"], child) << r.dump();
        }
    }
}

}  // namespace
}  // namespace irsnap::test
