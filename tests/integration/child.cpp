// SPDX-License-Identifier: Apache-2.0
// A process for integration tests to find: it waits until killed, whatever its argv. With
// "--irsnap-test-threads N" as its first two arguments it first starts N threads that wait too,
// so tests can find a multi-threaded process. With "--irsnap-test-connect PORT" it first opens a
// TCP connection to 127.0.0.1:PORT and keeps it, for tests that plant suspicious traffic.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv) {
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
    if (argc >= 3 && std::strcmp(argv[1], "--irsnap-test-threads") == 0) {
        for (int i = std::atoi(argv[2]); i > 0; --i) {
            std::thread([] {
                for (;;) pause();
            }).detach();
        }
    }
    for (;;) pause();
}
