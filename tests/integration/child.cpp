// SPDX-License-Identifier: Apache-2.0
// A process for integration tests to find: it waits until killed, whatever its argv.
#include <unistd.h>

int main() {
    for (;;) pause();
}
