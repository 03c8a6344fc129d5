// SPDX-License-Identifier: Apache-2.0
// Windows build only: <sys/file.h> does not exist in mingw-w64. flock() over LockFileEx.
#pragma once
#include "irsnap_posix.hpp"

extern "C++" {
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
int flock(int fd, int operation);
}
