// SPDX-License-Identifier: Apache-2.0
// Windows build only: the C runtime's <fcntl.h>, then the POSIX calls it lacks (irsnap_posix.hpp).
#include_next <fcntl.h>
#if defined(__cplusplus) && !defined(IRSNAP_POSIX_WRAP_FCNTL_H)
#define IRSNAP_POSIX_WRAP_FCNTL_H
#include "irsnap_posix.hpp"
#endif
