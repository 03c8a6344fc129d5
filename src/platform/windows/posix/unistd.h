// SPDX-License-Identifier: Apache-2.0
// Windows build only: the C runtime's <unistd.h>, then the POSIX calls it lacks (irsnap_posix.hpp).
#include_next <unistd.h>
#if defined(__cplusplus) && !defined(IRSNAP_POSIX_WRAP_UNISTD_H)
#define IRSNAP_POSIX_WRAP_UNISTD_H
#include "irsnap_posix.hpp"
#endif
