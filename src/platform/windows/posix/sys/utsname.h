// SPDX-License-Identifier: Apache-2.0
// Windows build only: <sys/utsname.h> does not exist in mingw-w64. uname() from RtlGetVersion and
// GetComputerNameW.
#pragma once
#include "irsnap_posix.hpp"

extern "C++" {
struct utsname {
    char sysname[65];
    char nodename[257];
    char release[65];
    char version[65];
    char machine[65];
};
int uname(struct utsname* out);
}
