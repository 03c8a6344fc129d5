// SPDX-License-Identifier: Apache-2.0
// Win32 implementations of the POSIX calls declared in posix/irsnap_posix.hpp (see there for
// where the semantics differ).
#include <windows.h>  // first: the Windows headers below need its types

#include <bcrypt.h>
#include <winternl.h>

#include <fcntl.h>
#include <io.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "irsnap/windows/win_text.hpp"

namespace {

using irsnap::win::to_utf8;
using irsnap::win::to_wide;

int errno_from(DWORD error) {
    switch (error) {
        case ERROR_FILE_NOT_FOUND:
        case ERROR_PATH_NOT_FOUND:
        case ERROR_INVALID_NAME:
        case ERROR_BAD_NETPATH:
        case ERROR_DIRECTORY:
            return ENOENT;
        case ERROR_ACCESS_DENIED:
        case ERROR_SHARING_VIOLATION:
        case ERROR_LOCK_VIOLATION:
        case ERROR_PRIVILEGE_NOT_HELD:
            return EACCES;
        case ERROR_FILE_EXISTS:
        case ERROR_ALREADY_EXISTS:
            return EEXIST;
        case ERROR_DISK_FULL:
        case ERROR_HANDLE_DISK_FULL:
            return ENOSPC;
        case ERROR_WRITE_PROTECT:
            return EROFS;
        case ERROR_INVALID_HANDLE:
            return EBADF;
        case ERROR_NOT_ENOUGH_MEMORY:
        case ERROR_OUTOFMEMORY:
            return ENOMEM;
        case ERROR_DIR_NOT_EMPTY:
            return ENOTEMPTY;
        case ERROR_BROKEN_PIPE:
        case ERROR_NO_DATA:
            return EPIPE;
        case ERROR_FILENAME_EXCED_RANGE:
            return ENAMETOOLONG;
        case ERROR_NOT_SAME_DEVICE:
            return EXDEV;
        case ERROR_INVALID_FUNCTION:
        case ERROR_NOT_SUPPORTED:
            return EINVAL;
        default:
            return EIO;
    }
}

int fail(DWORD error) {
    errno = errno_from(error);
    return -1;
}

HANDLE handle_of(int fd) {
    return reinterpret_cast<HANDLE>(_get_osfhandle(fd));
}

/// The full path a directory descriptor stands for, or "" with errno set.
std::wstring directory_path(int dirfd) {
    HANDLE h = handle_of(dirfd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return {};
    }
    std::wstring path(512, L'\0');
    while (true) {
        DWORD n = GetFinalPathNameByHandleW(h, path.data(), static_cast<DWORD>(path.size()),
                                            FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
        if (n == 0) {
            fail(GetLastError());
            return {};
        }
        if (n < path.size()) {
            path.resize(n);
            return path;
        }
        path.resize(n + 1);
    }
}

/// A path of MAX_PATH (260) or more reaches the file system only in the \\?\ form, unless the
/// process is long-path aware, which needs a registry switch we cannot count on: such paths are
/// made absolute and prefixed (\\?\UNC\ for a share). Shorter ones pass unchanged.
std::wstring extended(std::wstring path) {
    constexpr size_t k_prefix_from = MAX_PATH - 12;  // CreateDirectoryW's limit is 248
    if (path.size() < k_prefix_from || path.rfind(L"\\\\?\\", 0) == 0) return path;
    const DWORD n = GetFullPathNameW(path.c_str(), 0, nullptr, nullptr);
    if (n == 0) return path;
    std::wstring full(n, L'\0');
    const DWORD written = GetFullPathNameW(path.c_str(), n, full.data(), nullptr);
    if (written == 0 || written >= n) return path;
    full.resize(written);
    if (full.rfind(L"\\\\", 0) == 0) return L"\\\\?\\UNC\\" + full.substr(2);
    return L"\\\\?\\" + full;
}

/// `name` resolved against `dirfd` (AT_FDCWD or a directory descriptor); "" with errno set.
std::wstring resolve(int dirfd, const char* name) {
    std::wstring wide = to_wide(name);
    // The directory's path comes back in the \\?\ form, where '/' is not a separator.
    std::replace(wide.begin(), wide.end(), L'/', L'\\');
    const bool absolute =
        wide.size() >= 2 && (wide[1] == L':' || (wide[0] == L'\\' && wide[1] == L'\\'));
    if (dirfd == AT_FDCWD || absolute) return extended(std::move(wide));
    std::wstring dir = directory_path(dirfd);
    if (dir.empty()) return {};
    if (dir.back() != L'\\') dir += L'\\';
    return extended(dir + wide);
}

int open_wide(const std::wstring& path, int flags) {
    if (path.empty()) return -1;  // errno set by resolve()
    DWORD attributes = FILE_ATTRIBUTE_NORMAL;
    DWORD access = 0;
    if (flags & O_DIRECTORY) {
        // A directory handle: enough to resolve names, read attributes and flush metadata.
        access = FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE;
        attributes = FILE_FLAG_BACKUP_SEMANTICS;
    } else {
        switch (flags & (O_RDONLY | O_WRONLY | O_RDWR)) {
            case O_WRONLY:
                access = GENERIC_WRITE;
                break;
            case O_RDWR:
                access = GENERIC_READ | GENERIC_WRITE;
                break;
            default:
                access = GENERIC_READ;
                break;
        }
    }
    if (flags & O_NOFOLLOW) attributes |= FILE_FLAG_OPEN_REPARSE_POINT;
    DWORD disposition = OPEN_EXISTING;
    if ((flags & O_CREAT) && (flags & O_EXCL)) {
        disposition = CREATE_NEW;
    } else if (flags & O_CREAT) {
        disposition = (flags & O_TRUNC) ? CREATE_ALWAYS : OPEN_ALWAYS;
    } else if (flags & O_TRUNC) {
        disposition = TRUNCATE_EXISTING;
    }
    HANDLE h =
        CreateFileW(path.c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    nullptr, disposition, attributes, nullptr);
    if (h == INVALID_HANDLE_VALUE) return fail(GetLastError());
    if (!(flags & O_DIRECTORY)) {
        BY_HANDLE_FILE_INFORMATION info{};
        if (GetFileInformationByHandle(h, &info) &&
            (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
            CloseHandle(h);
            errno = EISDIR;
            return -1;
        }
    }
    int crt_flags = _O_BINARY | _O_NOINHERIT;
    if ((flags & (O_WRONLY | O_RDWR)) == 0) crt_flags |= _O_RDONLY;
    if (flags & O_APPEND) crt_flags |= _O_APPEND;
    int fd = _open_osfhandle(reinterpret_cast<intptr_t>(h), crt_flags);
    if (fd < 0) {
        CloseHandle(h);
        errno = EMFILE;
    }
    return fd;
}

}  // namespace

int open(const wchar_t* path, int flags, int /*mode*/) {
    return open_wide(extended(path), flags);
}

int openat(int dirfd, const char* name, int flags, int /*mode*/) {
    return open_wide(resolve(dirfd, name), flags);
}

int mkdir(const wchar_t* path, int /*mode*/) {
    return CreateDirectoryW(extended(path).c_str(), nullptr) ? 0 : fail(GetLastError());
}

int mkdirat(int dirfd, const char* name, int mode) {
    std::wstring path = resolve(dirfd, name);
    return path.empty() ? -1 : mkdir(path.c_str(), mode);
}

int stat(const wchar_t* path, struct stat* st) {
    // The wide call: the narrow one would read the path in the ANSI code page, not UTF-8.
    return _wstat64(extended(path).c_str(), st);
}

int access(const wchar_t* path, int mode) {
    // R_OK/W_OK only: Windows has no execute bit, and _waccess rejects X_OK.
    return _waccess(path, mode & 06);
}

int fstatat(int dirfd, const char* name, struct stat* st, int /*flags*/) {
    std::wstring path = resolve(dirfd, name);
    return path.empty() ? -1 : stat(path.c_str(), st);
}

int renameat(int olddirfd, const char* oldname, int newdirfd, const char* newname) {
    std::wstring from = resolve(olddirfd, oldname);
    std::wstring to = resolve(newdirfd, newname);
    if (from.empty() || to.empty()) return -1;
    return MoveFileExW(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)
               ? 0
               : fail(GetLastError());
}

int unlinkat(int dirfd, const char* name, int flags) {
    std::wstring path = resolve(dirfd, name);
    if (path.empty()) return -1;
    BOOL ok = (flags & AT_REMOVEDIR) ? RemoveDirectoryW(path.c_str()) : DeleteFileW(path.c_str());
    return ok ? 0 : fail(GetLastError());
}

int linkat(int olddirfd, const char* oldname, int newdirfd, const char* newname, int /*flags*/) {
    std::wstring from = resolve(olddirfd, oldname);
    std::wstring to = resolve(newdirfd, newname);
    if (from.empty() || to.empty()) return -1;
    return CreateHardLinkW(to.c_str(), from.c_str(), nullptr) ? 0 : fail(GetLastError());
}

int fchmod(int fd, int mode) {
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) return fail(ERROR_INVALID_HANDLE);
    FILE_BASIC_INFO info{};
    if (!GetFileInformationByHandleEx(h, FileBasicInfo, &info, sizeof(info))) {
        return fail(GetLastError());
    }
    if (mode & 0222) {
        info.FileAttributes &= ~static_cast<DWORD>(FILE_ATTRIBUTE_READONLY);
    } else {
        info.FileAttributes |= FILE_ATTRIBUTE_READONLY;
    }
    // Zero times mean "leave unchanged".
    info.CreationTime.QuadPart = info.LastAccessTime.QuadPart = 0;
    info.LastWriteTime.QuadPart = info.ChangeTime.QuadPart = 0;
    return SetFileInformationByHandle(h, FileBasicInfo, &info, sizeof(info)) ? 0
                                                                             : fail(GetLastError());
}

int fsync(int fd) {
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) return fail(ERROR_INVALID_HANDLE);
    if (FlushFileBuffers(h)) return 0;
    DWORD error = GetLastError();
    // A directory handle (or a console, a pipe) has nothing to flush: POSIX says EINVAL.
    if (error == ERROR_ACCESS_DENIED || error == ERROR_INVALID_HANDLE ||
        error == ERROR_INVALID_FUNCTION) {
        errno = EINVAL;
        return -1;
    }
    return fail(error);
}

int posix_fallocate(int fd, off_t offset, off_t len) {
    HANDLE h = handle_of(fd);
    LARGE_INTEGER size{};
    if (h == INVALID_HANDLE_VALUE) return EBADF;
    if (!GetFileSizeEx(h, &size)) return errno_from(GetLastError());
    const LONGLONG want = static_cast<LONGLONG>(offset) + static_cast<LONGLONG>(len);
    if (size.QuadPart >= want) return 0;
    // Extending the file allocates its clusters (zero-filled), like posix_fallocate.
    FILE_END_OF_FILE_INFO eof{};
    eof.EndOfFile.QuadPart = want;
    if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof)) {
        return errno_from(GetLastError());
    }
    return 0;
}

ssize_t pread(int fd, void* buf, size_t count, off_t offset) {
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) return fail(ERROR_INVALID_HANDLE);
    OVERLAPPED at{};
    const auto off = static_cast<uint64_t>(offset);
    at.Offset = static_cast<DWORD>(off & 0xffffffffu);
    at.OffsetHigh = static_cast<DWORD>(off >> 32);
    DWORD want = count > 0x40000000 ? 0x40000000 : static_cast<DWORD>(count);
    DWORD got = 0;
    if (!ReadFile(h, buf, want, &got, &at)) {
        DWORD error = GetLastError();
        if (error == ERROR_HANDLE_EOF) return 0;
        return fail(error);
    }
    return static_cast<ssize_t>(got);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) return fail(ERROR_INVALID_HANDLE);
    OVERLAPPED at{};
    const auto off = static_cast<uint64_t>(offset);
    at.Offset = static_cast<DWORD>(off & 0xffffffffu);
    at.OffsetHigh = static_cast<DWORD>(off >> 32);
    DWORD want = count > 0x40000000 ? 0x40000000 : static_cast<DWORD>(count);
    DWORD done = 0;
    if (!WriteFile(h, buf, want, &done, &at)) return fail(GetLastError());
    return static_cast<ssize_t>(done);
}

int flock(int fd, int operation) {
    HANDLE h = handle_of(fd);
    if (h == INVALID_HANDLE_VALUE) return fail(ERROR_INVALID_HANDLE);
    OVERLAPPED whole{};
    if (operation & LOCK_UN) {
        return UnlockFileEx(h, 0, MAXDWORD, MAXDWORD, &whole) ? 0 : fail(GetLastError());
    }
    DWORD mode = (operation & LOCK_EX) ? LOCKFILE_EXCLUSIVE_LOCK : 0;
    if (operation & LOCK_NB) mode |= LOCKFILE_FAIL_IMMEDIATELY;
    if (LockFileEx(h, mode, 0, MAXDWORD, MAXDWORD, &whole)) return 0;
    DWORD error = GetLastError();
    if (error == ERROR_LOCK_VIOLATION) {
        errno = EWOULDBLOCK;
        return -1;
    }
    return fail(error);
}

ssize_t getrandom(void* buf, size_t count, unsigned int /*flags*/) {
    if (count > 0x7fffffffu) count = 0x7fffffffu;  // a ULONG; getrandom may return fewer
    if (!BCRYPT_SUCCESS(BCryptGenRandom(nullptr, static_cast<PUCHAR>(buf),
                                        static_cast<ULONG>(count),
                                        BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
        errno = EIO;
        return -1;
    }
    return static_cast<ssize_t>(count);
}

namespace {

bool token_elevated() {
    HANDLE token = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return false;
    TOKEN_ELEVATION elevation{};
    DWORD size = 0;
    bool elevated =
        GetTokenInformation(token, TokenElevation, &elevation, sizeof elevation, &size) &&
        elevation.TokenIsElevated != 0;
    CloseHandle(token);
    return elevated;
}

}  // namespace

uid_t getuid() {
    return token_elevated() ? 0 : 1;
}
uid_t geteuid() {
    return getuid();
}
gid_t getgid() {
    return getuid();
}
gid_t getegid() {
    return getuid();
}

int uname(struct utsname* out) {
    std::memset(out, 0, sizeof *out);
    std::strncpy(out->sysname, "Windows", sizeof out->sysname - 1);
    wchar_t name[MAX_COMPUTERNAME_LENGTH + 1] = {};
    DWORD size = MAX_COMPUTERNAME_LENGTH + 1;
    if (GetComputerNameW(name, &size)) {
        std::strncpy(out->nodename, to_utf8(name).c_str(), sizeof out->nodename - 1);
    }
    // RtlGetVersion tells the truth where GetVersionEx is shimmed by the manifest.
    using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
    OSVERSIONINFOW version{};
    version.dwOSVersionInfoSize = sizeof version;
    auto rtl_get_version = reinterpret_cast<RtlGetVersionFn>(
        reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "RtlGetVersion")));
    if (rtl_get_version && rtl_get_version(&version) == 0) {
        std::snprintf(out->release, sizeof out->release, "%lu.%lu.%lu", version.dwMajorVersion,
                      version.dwMinorVersion, version.dwBuildNumber);
    }
    SYSTEM_INFO info{};
    GetNativeSystemInfo(&info);
    const char* machine = "unknown";
    switch (info.wProcessorArchitecture) {
        case PROCESSOR_ARCHITECTURE_AMD64:
            machine = "x86_64";
            break;
        case PROCESSOR_ARCHITECTURE_ARM64:
            machine = "aarch64";
            break;
        case PROCESSOR_ARCHITECTURE_INTEL:
            machine = "i686";
            break;
        default:
            break;
    }
    std::strncpy(out->machine, machine, sizeof out->machine - 1);
    return 0;
}

int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) {
    // Only what the core needs (see irsnap_posix.hpp): writability is assumed, hang-up unknown.
    int ready = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
        fds[i].revents = 0;
        if (handle_of(fds[i].fd) == INVALID_HANDLE_VALUE) {
            fds[i].revents = POLLNVAL;
        } else if (fds[i].events & POLLOUT) {
            fds[i].revents = POLLOUT;
        }
        if (fds[i].revents) ++ready;
    }
    if (ready == 0 && timeout_ms > 0) Sleep(static_cast<DWORD>(timeout_ms));
    return ready;
}

int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
    if (old) *old = {};
    if (sig == SIGHUP || sig == SIGPIPE) return 0;
    if (act && std::signal(sig, act->sa_handler) == SIG_ERR) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}
