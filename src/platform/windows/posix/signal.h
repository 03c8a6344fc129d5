// SPDX-License-Identifier: Apache-2.0
// Windows build only: the C runtime's <signal.h>, then the POSIX calls it lacks (irsnap_posix.hpp).
#include_next <signal.h>
#if defined(__cplusplus) && !defined(IRSNAP_POSIX_WRAP_SIGNAL_H)
#define IRSNAP_POSIX_WRAP_SIGNAL_H
#include "irsnap_posix.hpp"
#endif
