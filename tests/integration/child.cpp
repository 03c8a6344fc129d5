// SPDX-License-Identifier: Apache-2.0
// A process for integration tests to find: it waits until killed, whatever its argv. With
// "--irsnap-test-threads N" as its first two arguments it first starts N threads that wait too,
// so tests can find a multi-threaded process.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "--irsnap-test-threads") == 0) {
        for (int i = std::atoi(argv[2]); i > 0; --i) {
            std::thread([] {
                for (;;) pause();
            }).detach();
        }
    }
    for (;;) pause();
}
