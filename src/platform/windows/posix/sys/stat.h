// SPDX-License-Identifier: Apache-2.0
// Windows build only: the C runtime's <sys/stat.h>, then the POSIX calls it lacks
// (irsnap_posix.hpp).
#include_next <sys/stat.h>
#if defined(__cplusplus) && !defined(IRSNAP_POSIX_WRAP_SYS_STAT_H)
#define IRSNAP_POSIX_WRAP_SYS_STAT_H
#include "irsnap_posix.hpp"
#endif
