// SPDX-License-Identifier: Apache-2.0
// Which libc functions a preloaded library puts itself in front of, and what user-space
// rootkits do with each. Shared by the collectors (Linux) and the triage rules (any OS).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::preload {

/// One technique: its stable name (as records spell it), what the analyst reads, and the
/// libc functions whose export by a preloaded library gives it away.
struct Technique {
    std::string_view name;
    std::string_view title;
    std::span<const std::string_view> functions;
};

/// The techniques, in the order records and findings list them:
/// - process_hiding: readdir, readdir64, readdir_r, readdir64_r, opendir, fdopendir, scandir,
///   scandir64, scandirat, getdents, getdents64 (filtering /proc's listing hides a pid from ps
///   and top; libprocesshider, Azazel, Jynx2, BEURK).
/// - file_hiding: fopen, fopen64, freopen, freopen64, open, open64, openat, openat64, __open_2,
///   __open64_2, stat, stat64, lstat, lstat64, fstatat, fstatat64, statx, __xstat, __xstat64,
///   __lxstat, __lxstat64, __fxstatat, __fxstatat64, access, faccessat (hides files, and the
///   rootkit's sockets by filtering what /proc/net/tcp reads return).
/// - backdoor: accept, accept4, pam_authenticate, pam_acct_mgmt, pam_open_session (a magic
///   source port or password that opens a shell or lets a login through).
/// - credential_theft: crypt, crypt_r, getpwnam, getpwnam_r, getspnam, getspnam_r,
///   pam_get_item, pam_get_authtok (passwords as they are checked).
/// - exec_hook: execve, execv, execvp, execvpe, fexecve, posix_spawn, posix_spawnp (rootkits
///   unload themselves when ldd or a checker runs, or reinstall on every exec).
/// - anti_forensics: unlink, unlinkat, remove, rmdir, rename, renameat, renameat2, ptrace
///   (protect their files from deletion, refuse a debugger or strace).
/// - login_hiding: getutent, getutxent, getutid, getutxid, getutline, getutxline, pututline,
///   pututxline, updwtmp, updwtmpx, logwtmp (hide the intruder's sessions from who, w, last).
/// write, read and connect are not listed: tracing and profiling libraries hook them too.
std::span<const Technique> techniques();

/// The technique a function's hook belongs to; nullptr when it is not a listed function.
const Technique* technique_of(std::string_view function);
/// A technique by its stable name; nullptr when unknown (a newer bundle's name).
const Technique* technique_named(std::string_view name);

struct Hooks {
    std::vector<std::string> functions;   ///< the listed functions exported, sorted
    std::vector<std::string> techniques;  ///< their techniques' names, in techniques() order
};

/// The listed libc functions among a library's exported function names.
Hooks classify_hooks(std::span<const std::string> exported);

}  // namespace irsnap::preload
