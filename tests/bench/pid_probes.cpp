// SPDX-License-Identifier: Apache-2.0
// irsnap_bench_pid_probes: the cost per pid of each way to ask "does pid N exist?", over pids
// 1..N-1, so the hidden_processes collector's first pass uses the cheapest one
// (docs/hidden-processes.md). Prints one line per probe; it never sends a signal (kill uses
// signal 0) and opens nothing but /proc.
//
//   irsnap_bench_pid_probes [N (default 4194304)] [ROUNDS (default 3)]
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

int g_proc_fd = -1;

bool by_kill(pid_t p) {
    return ::kill(p, 0) == 0 || errno == EPERM;
}
bool by_getpgid(pid_t p) {
    return ::getpgid(p) >= 0 || errno != ESRCH;
}
bool by_getsid(pid_t p) {
    return ::getsid(p) >= 0 || errno != ESRCH;
}
bool by_sched(pid_t p) {
    return ::syscall(SYS_sched_getscheduler, p) >= 0 || errno != ESRCH;
}
bool by_pidfd(pid_t p) {
    long fd = ::syscall(SYS_pidfd_open, p, 0);
    if (fd >= 0) ::close(static_cast<int>(fd));
    return fd >= 0;
}
bool by_faccessat(pid_t p) {
    char name[16];
    std::snprintf(name, sizeof name, "%d", p);
    return ::faccessat(g_proc_fd, name, F_OK, 0) == 0;
}
bool by_fstatat(pid_t p) {
    char name[16];
    std::snprintf(name, sizeof name, "%d", p);
    struct stat st;
    return ::fstatat(g_proc_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    const long limit = argc > 1 ? std::atol(argv[1]) : 4194304;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
    g_proc_fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (limit < 2 || rounds < 1 || g_proc_fd < 0) {
        std::fprintf(stderr, "usage: irsnap_bench_pid_probes [N >= 2] [ROUNDS >= 1]\n");
        return 2;
    }
    const std::vector<std::pair<const char*, std::function<bool(pid_t)>>> probes = {
        {"getpgid", by_getpgid}, {"getsid", by_getsid},    {"sched_getscheduler", by_sched},
        {"kill(0)", by_kill},    {"pidfd_open", by_pidfd}, {"faccessat", by_faccessat},
        {"fstatat", by_fstatat},
    };
    std::printf("pids 1..%ld, best of %d round(s)\n", limit - 1, rounds);
    for (const auto& [name, probe] : probes) {
        double best = 1e99;
        long alive = 0;
        for (int r = 0; r < rounds; ++r) {
            alive = 0;
            const auto t0 = std::chrono::steady_clock::now();
            for (long pid = 1; pid < limit; ++pid) alive += probe(static_cast<pid_t>(pid));
            best = std::min(
                best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::printf("%-20s %8.3f s  %6.0f ns/pid  %ld alive\n", name, best, best * 1e9 / limit,
                    alive);
    }
}
