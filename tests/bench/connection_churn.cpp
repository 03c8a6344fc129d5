// SPDX-License-Identifier: Apache-2.0
// Load for tests/bench/bench_observe.sh: RATE loopback TCP connections a second for SECONDS,
// each opened, accepted and closed at once, as a busy service or a scan would make them. Prints
// the connections made. Kept free of irsnap's layers: the load must not depend on the code it
// measures.
//
//   connection_churn RATE SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s RATE SECONDS\n", argv[0]);
        return 2;
    }
    const double rate = std::atof(argv[1]), seconds = std::atof(argv[2]);
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener, 1024) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        std::perror("listener");
        return 1;
    }
    std::atomic<bool> stop{false};
    std::thread acceptor([&] {
        while (!stop) {
            pollfd p{listener, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept(listener, nullptr, nullptr);
            if (c >= 0) ::close(c);
        }
    });
    const double start = now_s();
    long made = 0;
    while (now_s() - start < seconds) {
        // Paced: connection n goes out at start + n / rate.
        const double due = start + static_cast<double>(made) / rate;
        const double wait = due - now_s();
        if (wait > 0) {
            timespec ts{static_cast<time_t>(wait),
                        static_cast<long>((wait - static_cast<long>(wait)) * 1e9)};
            ::nanosleep(&ts, nullptr);
        }
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) ++made;
        if (fd >= 0) ::close(fd);
    }
    stop = true;
    acceptor.join();
    std::printf("%ld connections in %.1f s\n", made, now_s() - start);
    return 0;
}
