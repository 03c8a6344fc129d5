// SPDX-License-Identifier: Apache-2.0
//
// Load generator for tests/bench/bench_compare.sh: N sleeping child processes, each holding F
// file descriptors and S loopback TCP sockets, so irsnap, ps, ss and lsof can be timed against a
// host with a known, reproducible amount of state.
//
//   irsnap_bench_load [--procs N] [--fds F] [--sockets S] [--tmp DIR]
//   (defaults 1000, 50, 4; DIR defaults to /dev/shm when writable, else $TMPDIR or /tmp)
//
// Shape (per child; stdin/stdout/stderr are inherited on top of this):
//   F descriptors: 1 eventfd, 1 /dev/null, floor(F/5) rounded down to an even number of pipe
//     ends (pipe pairs), and the rest empty regular files in a private mkdtemp directory, of
//     which every 4th is unlinked right after opening (so tools see "(deleted)" files). With F < 2
//     only the first kinds that fit are opened.
//   S sockets: S/2 connect()s to one listener on 127.0.0.1 owned by the parent, plus S/2
//     accept()s on that listener, so every child holds S ESTABLISHED TCP sockets (an accepted end
//     may be the peer of another child's connection). An odd S adds one private listener per
//     child. The parent holds the one shared listener.
// It prints "ready" on stdout (and the counts on stderr) once every child is set up, then waits.
// SIGTERM or SIGINT to the parent or to its process group stops everything and removes the
// temporary directory; children also die with the parent (PR_SET_PDEATHSIG).
// Kept free of irsnap's layers: the load must not depend on the code it measures.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

// tmpfs when there is one: creating and removing tens of thousands of files there costs no disk
// I/O that would disturb the measurement.
std::string default_tmp_base() {
    if (access("/dev/shm", W_OK) == 0) return "/dev/shm";
    const char* tmpdir = std::getenv("TMPDIR");
    return tmpdir && *tmpdir ? tmpdir : "/tmp";
}

struct Options {
    long procs = 1000;
    long fds = 50;
    long sockets = 4;
    std::string tmp_base = default_tmp_base();
};

volatile sig_atomic_t g_stop = 0;

void on_stop(int) {
    g_stop = 1;
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "irsnap_bench_load: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

long read_long_file(const char* path, long fallback) {
    std::ifstream in(path);
    long value = fallback;
    if (in) in >> value;
    return in ? value : fallback;
}

void usage_exit() {
    std::fprintf(stderr,
                 "usage: irsnap_bench_load [--procs N] [--fds F] [--sockets S] [--tmp DIR]\n");
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) usage_exit();
        const char* value = argv[++i];
        if (arg == "--procs")
            options.procs = std::strtol(value, nullptr, 10);
        else if (arg == "--fds")
            options.fds = std::strtol(value, nullptr, 10);
        else if (arg == "--sockets")
            options.sockets = std::strtol(value, nullptr, 10);
        else if (arg == "--tmp")
            options.tmp_base = value;
        else
            usage_exit();
    }
    if (options.procs < 1 || options.fds < 0 || options.sockets < 0) usage_exit();
    return options;
}

// Every child needs F + S descriptors plus the inherited ones; raise the soft limit (and the hard
// one when we are allowed to) instead of failing halfway through a thousand forks.
void raise_nofile(long per_child) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
    const rlim_t wanted = static_cast<rlim_t>(per_child + 16);
    if (limit.rlim_cur >= wanted) return;
    if (limit.rlim_max < wanted) {
        const long nr_open = read_long_file("/proc/sys/fs/nr_open", 0);
        if (nr_open < static_cast<long>(wanted)) {
            std::fprintf(stderr,
                         "irsnap_bench_load: %ld descriptors per process exceed fs.nr_open=%ld\n",
                         per_child, nr_open);
            std::exit(1);
        }
        limit.rlim_max = wanted;
    }
    limit.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        die("setrlimit(RLIMIT_NOFILE) (need root or a higher ulimit -Hn)");
}

// Check host-wide limits up front so a too-large request fails with a reason, not a hang.
void check_host_limits(const Options& options) {
    const long pid_max = read_long_file("/proc/sys/kernel/pid_max", 32768);
    const long threads_max = read_long_file("/proc/sys/kernel/threads-max", pid_max);
    if (options.procs + 1000 > pid_max || options.procs + 1000 > threads_max) {
        std::fprintf(
            stderr,
            "irsnap_bench_load: %ld processes is too close to pid_max=%ld / threads-max=%ld\n",
            options.procs, pid_max, threads_max);
        std::exit(1);
    }
    rlimit nproc{};
    if (getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur != RLIM_INFINITY &&
        static_cast<long>(nproc.rlim_cur) < options.procs + 100 && geteuid() != 0) {
        std::fprintf(stderr, "irsnap_bench_load: ulimit -u %ld is too low for %ld processes\n",
                     static_cast<long>(nproc.rlim_cur), options.procs);
        std::exit(1);
    }
    const long file_max = read_long_file("/proc/sys/fs/file-max", 0);
    const long total = options.procs * (options.fds + options.sockets + 4);
    if (file_max > 0 && total > file_max / 2) {
        std::fprintf(stderr,
                     "irsnap_bench_load: %ld descriptors would use over half of fs.file-max=%ld\n",
                     total, file_max);
        std::exit(1);
    }
    // Each connection takes one ephemeral port towards the same listener address.
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    long low = 32768, high = 60999;
    range >> low >> high;
    if (options.procs * (options.sockets / 2) > (high - low) / 2) {
        std::fprintf(
            stderr,
            "irsnap_bench_load: %ld connections exceed half the ephemeral port range %ld-%ld\n",
            options.procs * (options.sockets / 2), low, high);
        std::exit(1);
    }
}

// SO_LINGER 0 makes close() send RST, so a killed load leaves no TIME_WAIT sockets behind to
// skew the next run's ss/lsof numbers or exhaust ephemeral ports across repeated runs.
void no_linger(int fd) {
    const linger lin{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
}

int make_listener(int backlog, sockaddr_in& bound) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    no_linger(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
    if (listen(fd, backlog) != 0) die("listen");
    socklen_t len = sizeof bound;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) die("getsockname");
    return fd;
}

// Runs in the child: open everything, report one byte, then wait to be killed. Descriptors are
// deliberately never closed; that is the load.
[[noreturn]] void child_main(long index, const Options& options, const std::string& dir,
                             int listener, const sockaddr_in& listen_addr, int ready_fd,
                             pid_t parent) {
    // Die with the parent even if it is SIGKILLed and cannot clean up; re-check getppid() for the
    // race where the parent died before prctl ran.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("prctl");
    if (getppid() != parent) _exit(1);
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);

    long left = options.fds;
    if (left > 0) {
        if (eventfd(0, EFD_CLOEXEC) < 0) die("eventfd");
        --left;
    }
    if (left > 0) {
        if (open("/dev/null", O_RDWR | O_CLOEXEC) < 0) die("open /dev/null");
        --left;
    }
    long pipe_ends = (options.fds / 5) & ~1L;
    for (; pipe_ends > 0 && left >= 2; pipe_ends -= 2, left -= 2) {
        int ends[2];
        if (pipe2(ends, O_CLOEXEC) != 0) die("pipe2");
    }
    for (long j = 0; left > 0; ++j, --left) {
        const std::string path = dir + "/c" + std::to_string(index) + "_f" + std::to_string(j);
        const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) die("open temp file");
        // Left empty on purpose: a file with data blocks costs a synchronous discard per unlink on
        // filesystems mounted with `discard` (seen: 40 s to remove 40k files on ext4), which would
        // stall the next benchmark point.
        if (j % 4 == 3 && unlink(path.c_str()) != 0) die("unlink");
    }

    const long pairs = options.sockets / 2;
    for (long k = 0; k < pairs; ++k) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        no_linger(fd);
        if (connect(fd, reinterpret_cast<const sockaddr*>(&listen_addr), sizeof listen_addr) != 0)
            die("connect");
    }
    // Accepting only after our own connects cannot deadlock: the queue always holds at least as
    // many pending connections as the accepts still owed by children that finished connecting.
    for (long k = 0; k < pairs; ++k) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) die("accept4");
        no_linger(fd);
    }
    close(listener);
    if (options.sockets % 2 != 0) {
        sockaddr_in own{};
        make_listener(1, own);
    }

    const char ok = 'k';
    if (write(ready_fd, &ok, 1) != 1) die("write ready");
    close(ready_fd);
    for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    // Descriptors leaked to us by the caller (shells, CI runners) would be inherited by every child
    // and blur the "F fds per process" shape; keep only stdin, stdout and stderr.
    close_range(3, ~0U, 0);
    check_host_limits(options);
    raise_nofile(options.fds + options.sockets + 8);

    // Our own process group, so `kill -TERM -PGID` reaches every child and nothing else.
    if (getpid() != getpgrp() && setpgid(0, 0) != 0) die("setpgid");

    std::string pattern = options.tmp_base + "/irsnap-bench-load.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) die("mkdtemp");
    const std::string dir = pattern;

    struct sigaction action {};
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGHUP, &action, nullptr);

    const long somaxconn = read_long_file("/proc/sys/net/core/somaxconn", 4096);
    sockaddr_in listen_addr{};
    const int listener = make_listener(static_cast<int>(somaxconn), listen_addr);

    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) die("pipe2");
    const pid_t self = getpid();
    std::vector<pid_t> children;
    children.reserve(static_cast<size_t>(options.procs));
    bool failed = false;
    for (long i = 0; i < options.procs && !g_stop; ++i) {
        const pid_t pid = fork();
        if (pid < 0) {
            std::fprintf(stderr, "irsnap_bench_load: fork %ld: %s\n", i, std::strerror(errno));
            failed = true;
            break;
        }
        if (pid == 0) {
            close(ready[0]);
            child_main(i, options, dir, listener, listen_addr, ready[1], self);
        }
        children.push_back(pid);
    }
    close(ready[1]);

    // One byte per child that finished; EOF early means a child died during setup.
    long done = 0;
    while (!failed && !g_stop && done < static_cast<long>(children.size())) {
        char buf[256];
        const ssize_t n = read(ready[0], buf, sizeof buf);
        if (n > 0)
            done += n;
        else if (n == 0)
            failed = true;
        else if (errno != EINTR)
            failed = true;
    }
    close(ready[0]);

    if (!failed && !g_stop) {
        std::fprintf(stderr,
                     "irsnap_bench_load: %ld children, %ld fds + %ld sockets each, files in %s\n",
                     done, options.fds, options.sockets, dir.c_str());
        std::printf("ready\n");
        std::fflush(stdout);
        // Block the stop signals between the check and the wait so one arriving in that gap is not
        // lost; sigsuspend unblocks them atomically.
        sigset_t stop_set, old_set;
        sigemptyset(&stop_set);
        sigaddset(&stop_set, SIGTERM);
        sigaddset(&stop_set, SIGINT);
        sigaddset(&stop_set, SIGHUP);
        sigprocmask(SIG_BLOCK, &stop_set, &old_set);
        while (!g_stop) sigsuspend(&old_set);
    } else if (failed) {
        std::fprintf(stderr, "irsnap_bench_load: setup failed after %ld of %ld children\n", done,
                     options.procs);
    }

    for (const pid_t pid : children) kill(pid, SIGKILL);
    for (const pid_t pid : children) waitpid(pid, nullptr, 0);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    close(listener);
    return failed ? 1 : 0;
}
