// SPDX-License-Identifier: Apache-2.0
// The process table as ntdll and Toolhelp give it, and per-process details through a handle.
// Every call degrades: a denied or vanished process yields nullopt with the Win32 error.
#pragma once

#include <windows.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace irsnap::win {

/// One entry of NtQuerySystemInformation(SystemProcessInformation).
struct NtProcess {
    uint32_t pid = 0;
    uint32_t ppid = 0;  ///< InheritedFromUniqueProcessId (may name an exited or reused pid)
    std::wstring image_name;
    uint32_t threads = 0;
    uint32_t handles = 0;
    uint32_t session = 0;
    int64_t create_time = 0;  ///< FILETIME (100 ns since 1601, UTC); 0 for the idle process
    uint64_t working_set = 0;
    uint64_t virtual_size = 0;
    uint64_t private_bytes = 0;
};

/// The whole table; nullopt with the NTSTATUS in `status` when the call fails. Loops while the
/// table grows between the size query and the read (STATUS_INFO_LENGTH_MISMATCH).
std::optional<std::vector<NtProcess>> nt_process_list(long& status);
/// The same into `out`, reusing `buffer` between calls (a poll every 100 ms must not allocate
/// the table's quarter megabyte each time); false with `status` on failure.
bool nt_process_list(std::vector<NtProcess>& out, std::vector<unsigned char>& buffer, long& status);

/// One entry of a Toolhelp32 process snapshot.
struct ToolhelpProcess {
    uint32_t pid = 0;
    uint32_t ppid = 0;
    uint32_t threads = 0;
    std::wstring exe_file;
};

/// nullopt with GetLastError() in `error` when the snapshot fails.
std::optional<std::vector<ToolhelpProcess>> toolhelp_process_list(DWORD& error);

/// Full Win32 path of the process image (QueryFullProcessImageNameW).
std::optional<std::wstring> process_image_path(HANDLE process, DWORD& error);

/// The command line: NtQueryInformationProcess(ProcessCommandLineInformation) on Windows 8.1+,
/// else (and under Wine) read from the PEB, which needs PROCESS_VM_READ.
std::optional<std::wstring> process_command_line(HANDLE process, long& status);

/// A command line split into arguments as CommandLineToArgvW splits it (the rules a program's
/// own C runtime applies); shell32.dll is loaded on first use only. {line} when it cannot be.
std::vector<std::wstring> split_command_line(const std::wstring& line);

/// Token facts of a process (needs PROCESS_QUERY_LIMITED_INFORMATION and TOKEN_QUERY).
struct TokenInfo {
    std::string sid;                  ///< S-1-5-...
    std::optional<std::string> user;  ///< DOMAIN\name (LookupAccountSidW), when resolvable
    std::optional<std::string>
        integrity;  ///< untrusted, low, medium, medium_plus, high, system, protected
    std::optional<bool> elevated;
};
std::optional<TokenInfo> process_token(HANDLE process, DWORD& error);

/// Turns on a privilege the token holds (SeDebugPrivilege lets an administrator open every
/// process). False when the token does not hold it.
bool enable_privilege(const wchar_t* name);

/// FILETIME count (100 ns since 1601-01-01 UTC) to ns since the Unix epoch.
constexpr int64_t filetime_to_unix_ns(int64_t filetime) {
    return (filetime - 116'444'736'000'000'000) * 100;
}

/// Integrity level name of a mandatory label RID (SECURITY_MANDATORY_*_RID).
std::string integrity_name(uint32_t rid);

}  // namespace irsnap::win
