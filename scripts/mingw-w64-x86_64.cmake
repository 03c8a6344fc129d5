# SPDX-License-Identifier: Apache-2.0
# Cross toolchain for the Windows field binary (irsnap.exe) with Debian 12's mingw-w64.
# The posix thread model is required: spdlog needs std::mutex, which the win32 model lacks.
# Used by the "windows" preset and scripts/build-windows.sh.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
# Look for libraries and headers only in the mingw sysroot (and the deps directory the build
# script prepares, given as IRSNAP_WINDOWS_DEPS), never in the host's /usr/include or /usr/lib.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
