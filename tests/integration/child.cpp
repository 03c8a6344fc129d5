// SPDX-License-Identifier: Apache-2.0
// A process for integration tests to find: it waits until killed, whatever its argv. With
// "--irsnap-test-threads N" as its first two arguments it first starts N threads that wait too,
// so tests can find a multi-threaded process. With "--irsnap-test-churn N" it instead keeps N
// short-lived children in flight, reaping and replacing each as it exits, until SIGTERM; it
// prints "ready" once the churn is going and, at the end, how many children it started. With
// "--irsnap-test-connect PORT" it first opens a TCP connection to 127.0.0.1:PORT and keeps it,
// for tests that plant suspicious traffic. With "--irsnap-test-memory MARKER [MIB]" it copies
// MARKER into its heap and, behind "RWX:", into an anonymous writable and executable mapping,
// touches MIB mebibytes more of heap (a pattern, not zeros), starts two waiting threads and
// prints "ready": a process for the memory collector to dump. With "--irsnap-test-descriptors
// DIR" it holds one descriptor of each kind (a file read part-way, a deleted file, a memfd, a
// directory, /dev/null close-on-exec, a pipe, a socket pair, an eventfd, a listening TCP socket)
// and prints "ready": the kernel's and /proc's descriptor walks must agree on it.
// For the observation window (test_observe.cpp), each of these ends by itself:
// "--irsnap-test-beacon PORT INTERVAL_MS COUNT" connects to 127.0.0.1:PORT COUNT times, holding
// each connection 300 ms; "--irsnap-test-connect-once PORT HOLD_MS" connects once and exits;
// "--irsnap-test-dns PORT NAME" asks 127.0.0.1:PORT for NAME's A record and waits 2 s at most for
// the answer; "--irsnap-test-raw-udp SPORT DPORT" sends one UDP datagram from a raw socket
// (no UDP socket holds either port) and keeps the raw socket 1.5 s.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

volatile sig_atomic_t g_stop = 0;

extern "C" void on_term(int) {
    g_stop = 1;
}

/// Children live from nothing to about 2 ms: long enough to be listed in /proc by a walk and
/// gone before the walk reads them, which is the race a collector must count, not die of.
pid_t start_one(unsigned long n) {
    pid_t pid = fork();
    if (pid == 0) {
        if (n % 2 == 0) {
            timespec t{0, static_cast<long>((n * 7919) % 2000) * 1000};
            nanosleep(&t, nullptr);
        }
        _exit(0);
    }
    return pid;
}

int churn(int in_flight) {
    struct sigaction sa {};
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, nullptr);  // no SA_RESTART: wait() returns at once on SIGTERM
    unsigned long started = 0;
    int running = 0;
    bool announced = false;
    while (!g_stop) {
        while (running < in_flight && !g_stop) {
            if (start_one(started) > 0) {
                ++started;
                ++running;
            }
        }
        if (!announced && started - running >= 100) {
            announced = true;  // the first hundred have come and gone
            std::printf("ready\n");
            std::fflush(stdout);
        }
        if (wait(nullptr) > 0) --running;
    }
    while (running > 0 && wait(nullptr) > 0) --running;
    std::printf("started %lu\n", started);
    return 0;
}

int hold_memory(const char* marker, long mebibytes) {
    static char* heap = nullptr;  // static: kept reachable, never optimised away
    const size_t length = std::strlen(marker);
    heap = static_cast<char*>(std::malloc(1 << 20));
    std::memset(heap, 'h', 1 << 20);
    std::memcpy(heap + 4096 + 123, marker, length);
    void* rwx = mmap(nullptr, 65536, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx == MAP_FAILED) return 1;
    std::memcpy(static_cast<char*>(rwx) + 100, "RWX:", 4);
    std::memcpy(static_cast<char*>(rwx) + 104, marker, length);
    static char* bulk = nullptr;
    if (mebibytes > 0) {
        const size_t bytes = static_cast<size_t>(mebibytes) << 20;
        bulk = static_cast<char*>(std::malloc(bytes));
        if (!bulk) return 1;
        for (size_t i = 0; i < bytes; i += 8) std::memcpy(bulk + i, &i, 8);
    }
    for (int i = 0; i < 2; ++i) {
        std::thread([] {
            for (;;) pause();
        }).detach();
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) pause();
}

int hold_descriptors(const char* dir) {
    const std::string base(dir);
    const int file = ::open((base + "/kept.txt").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    const int gone = ::open((base + "/gone.bin").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    const int memfd = ::memfd_create("held", 0);
    if (file < 0 || gone < 0 || memfd < 0) return 1;
    if (::write(file, "0123456789", 10) != 10 || ::lseek(file, 4, SEEK_SET) != 4) return 1;
    if (::write(gone, "deleted", 7) != 7 || ::unlink((base + "/gone.bin").c_str()) != 0) return 1;
    if (::write(memfd, "in memory", 9) != 9) return 1;
    int pipe_ends[2], pair[2];
    if (::open(dir, O_RDONLY | O_DIRECTORY) < 0 || ::open("/dev/null", O_WRONLY | O_CLOEXEC) < 0 ||
        ::pipe(pipe_ends) != 0 || ::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0 ||
        ::eventfd(0, EFD_NONBLOCK) < 0) {
        return 1;
    }
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener < 0 || ::bind(listener, reinterpret_cast<const sockaddr*>(&any), sizeof any) ||
        ::listen(listener, 1) != 0) {
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) pause();
}

sockaddr_in loopback_port(int port) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return to;
}

void sleep_ms(long ms) {
    timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
    ::nanosleep(&ts, nullptr);
}

int connect_hold(int port, long hold_ms) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in to = loopback_port(port);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return 1;
    sleep_ms(hold_ms);
    ::close(fd);
    return 0;
}

int beacon(int port, long interval_ms, int count) {
    for (int i = 0; i < count; ++i) {
        if (connect_hold(port, 300) != 0) return 1;
        sleep_ms(std::max(0L, interval_ms - 300));
    }
    return 0;
}

int dns_query(int port, const char* name) {
    std::string q("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    for (const char* label = name; *label;) {
        const char* dot = std::strchr(label, '.');
        const size_t len = dot ? static_cast<size_t>(dot - label) : std::strlen(label);
        q.push_back(static_cast<char>(len));
        q.append(label, len);
        label += len + (dot ? 1 : 0);
    }
    q.append("\x00\x00\x01\x00\x01", 5);
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    const sockaddr_in to = loopback_port(port);
    timeval wait{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    if (fd < 0 || ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                           sizeof to) < 0) {
        return 1;
    }
    char answer[512];
    return ::recv(fd, answer, sizeof answer, 0) > 0 ? 0 : 1;
}

int raw_udp(int sport, int dport) {
    const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
    if (fd < 0) return 1;
    // The UDP header by hand (checksum 0: none, allowed over IPv4); the kernel adds the IP one.
    unsigned char datagram[8 + 5] = {0, 0, 0, 0, 0, 8 + 5, 0, 0, 'm', 'a', 'g', 'i', 'c'};
    datagram[0] = static_cast<unsigned char>(sport >> 8);
    datagram[1] = static_cast<unsigned char>(sport & 0xff);
    datagram[2] = static_cast<unsigned char>(dport >> 8);
    datagram[3] = static_cast<unsigned char>(dport & 0xff);
    const sockaddr_in to = loopback_port(0);
    if (::sendto(fd, datagram, sizeof datagram, 0, reinterpret_cast<const sockaddr*>(&to),
                 sizeof to) < 0) {
        return 1;
    }
    sleep_ms(1500);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 5 && std::strcmp(argv[1], "--irsnap-test-beacon") == 0) {
        return beacon(std::atoi(argv[2]), std::atol(argv[3]), std::atoi(argv[4]));
    }
    if (argc >= 4 && std::strcmp(argv[1], "--irsnap-test-connect-once") == 0) {
        return connect_hold(std::atoi(argv[2]), std::atol(argv[3]));
    }
    if (argc >= 4 && std::strcmp(argv[1], "--irsnap-test-dns") == 0) {
        return dns_query(std::atoi(argv[2]), argv[3]);
    }
    if (argc >= 4 && std::strcmp(argv[1], "--irsnap-test-raw-udp") == 0) {
        return raw_udp(std::atoi(argv[2]), std::atoi(argv[3]));
    }
    if (argc >= 3 && std::strcmp(argv[1], "--irsnap-test-churn") == 0) {
        return churn(std::max(1, std::atoi(argv[2])));
    }
    if (argc >= 3 && std::strcmp(argv[1], "--irsnap-test-memory") == 0) {
        return hold_memory(argv[2], argc >= 4 ? std::atol(argv[3]) : 0);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--irsnap-test-descriptors") == 0) {
        return hold_descriptors(argv[2]);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--irsnap-test-connect") == 0) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
            return 1;  // the test sees the child gone and says so
        }
    }
    if (argc >= 2 && std::strcmp(argv[1], "--irsnap-test-packet-filter") == 0) {
        // A packet socket with a classic filter (IPv4 frames only), as BPFDoor holds one.
        const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
        sock_filter code[] = {
            {0x28, 0, 0, 12}, {0x15, 0, 1, 0x800}, {0x06, 0, 0, 0xffff}, {0x06, 0, 0, 0}};
        sock_fprog program{4, code};
        if (fd < 0 ||
            ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) != 0) {
            return 1;
        }
        std::printf("ready\n");
        std::fflush(stdout);
    }
    if (argc >= 3 && std::strcmp(argv[1], "--irsnap-test-threads") == 0) {
        for (int i = std::atoi(argv[2]); i > 0; --i) {
            std::thread([] {
                for (;;) pause();
            }).detach();
        }
    }
    for (;;) pause();
}
