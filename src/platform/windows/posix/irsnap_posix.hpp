// SPDX-License-Identifier: Apache-2.0
// The POSIX calls the platform-independent core (bundle writer, verify, tar, custody, CLI) makes
// that the mingw-w64 C runtime lacks, implemented on Win32 (posix_windows.cpp). Only the Windows
// build sees this directory: the wrappers beside it (fcntl.h, unistd.h ...) include the real
// header and then this one, so the core compiles unchanged.
//
// Semantics kept, and where they differ:
// - A directory descriptor is a CRT descriptor around a directory HANDLE opened with
//   FILE_FLAG_BACKUP_SEMANTICS; *at() calls resolve names against its final path
//   (GetFinalPathNameByHandleW), so the directory can be renamed, not replaced, under us.
// - Every descriptor is binary (no CR/LF translation: digests must cover the exact bytes) and
//   not inherited (O_CLOEXEC). Files are shared for read, write and delete, like POSIX files.
// - O_NOFOLLOW opens a reparse point (symbolic link, junction) itself, not its target.
// - geteuid() is 0 when the token is elevated (an administrator), 1 otherwise: the core's
//   "root" checks mean "has the privileges for full coverage".
// - poll() knows no pipe hang-up on Windows: it waits and reports writability; a vanished
//   reader of `-o -` is noticed at the next write (EPIPE) instead of within 200 ms.
// - SIGHUP and SIGPIPE do not exist: sigaction/signal on them do nothing.
#pragma once

#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
// C++ linkage even when a Windows header includes us inside extern "C": the wide-path
// overloads below sit beside the C runtime's narrow functions of the same name.
extern "C++" {

// Flags mingw lacks; bits chosen above every _O_* the CRT defines.
#ifndef O_CLOEXEC
#define O_CLOEXEC _O_NOINHERIT
#endif
#define O_NOFOLLOW 0x01000000
#define O_DIRECTORY 0x02000000
#define O_NOCTTY 0
#define O_NONBLOCK 0
#define O_NOATIME 0
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200

using uid_t = unsigned int;
using gid_t = unsigned int;

// Wide-path overloads: std::filesystem::path::c_str() is const wchar_t* on Windows.
int open(const wchar_t* path, int flags, int mode = 0);
int mkdir(const wchar_t* path, int mode);
int stat(const wchar_t* path, struct stat* st);
int access(const wchar_t* path, int mode);

int openat(int dirfd, const char* name, int flags, int mode = 0);
int mkdirat(int dirfd, const char* name, int mode);
int renameat(int olddirfd, const char* oldname, int newdirfd, const char* newname);
int unlinkat(int dirfd, const char* name, int flags);
/// A hard link (CreateHardLinkW); `flags` must be 0.
int linkat(int olddirfd, const char* oldname, int newdirfd, const char* newname, int flags);
/// Only the write bits mean anything: none set makes the file read-only (the attribute).
int fchmod(int fd, int mode);
int fstatat(int dirfd, const char* name, struct stat* st, int flags);
int fsync(int fd);
int posix_fallocate(int fd, off_t offset, off_t len);
/// An anonymous pipe as two CRT descriptors (binary, not inherited), 64 KiB of buffer: what a
/// sealed bundle's decrypting thread hands the tar reader (sealed_input.cpp).
inline int pipe(int fds[2]) {
    return _pipe(fds, 1 << 16, _O_BINARY | _O_NOINHERIT);
}
ssize_t pread(int fd, void* buf, size_t count, off_t offset);
ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset);

uid_t getuid();
uid_t geteuid();
gid_t getgid();
gid_t getegid();

#ifndef SIGHUP
#define SIGHUP 1
#endif
#ifndef SIGPIPE
#define SIGPIPE 13
#endif
#define SA_RESETHAND 0x80000000
using sigset_t = unsigned long;
struct sigaction {
    void (*sa_handler)(int);
    sigset_t sa_mask;
    int sa_flags;
};
inline int sigemptyset(sigset_t* set) {
    *set = 0;
    return 0;
}
/// signal() underneath: the C runtime resets a handler to SIG_DFL before calling it, which is
/// SA_RESETHAND already; SIGHUP and SIGPIPE are accepted and ignored.
int sigaction(int sig, const struct sigaction* act, struct sigaction* old);

inline time_t timegm(struct tm* tm) {
    return _mkgmtime(tm);
}

}  // extern "C++"
#endif  // __cplusplus
