// SPDX-License-Identifier: Apache-2.0
// The process a lab rootkit hides: a static program with a name of its own ("lab_implant", which
// the host checks in the kernel's task list) that sleeps until the guest powers off. lab.sh
// builds it with gcc -static; the guest starts it in the background.
#include <unistd.h>

int main(void) {
    for (;;) pause();
}
