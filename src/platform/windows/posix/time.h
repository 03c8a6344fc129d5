// SPDX-License-Identifier: Apache-2.0
// Windows build only: the C runtime's <time.h>, then timegm (irsnap_posix.hpp).
#include_next <time.h>
#if defined(__cplusplus) && !defined(IRSNAP_POSIX_WRAP_TIME_H)
#define IRSNAP_POSIX_WRAP_TIME_H
#include "irsnap_posix.hpp"
#endif
