// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/nt_process.hpp"  // windows.h first: the headers below need it

#include <sddl.h>
#include <tlhelp32.h>
#include <winternl.h>

#include <map>
#include <mutex>

#include "irsnap/windows/system_function.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::win {
namespace {

constexpr LONG k_status_info_length_mismatch = static_cast<LONG>(0xC0000004);
constexpr int k_system_process_information = 5;
constexpr int k_process_command_line_information = 60;

/// SYSTEM_PROCESS_INFORMATION as the kernel lays it out (winternl.h hides most fields behind
/// Reserved arrays). Stable since Windows Vista on x64.
struct SystemProcessInformation {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    LARGE_INTEGER WorkingSetPrivateSize;
    ULONG HardFaultCount;
    ULONG NumberOfThreadsHighWatermark;
    ULONGLONG CycleTime;
    LARGE_INTEGER CreateTime;
    LARGE_INTEGER UserTime;
    LARGE_INTEGER KernelTime;
    UNICODE_STRING ImageName;
    LONG BasePriority;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
    ULONG HandleCount;
    ULONG SessionId;
    ULONG_PTR UniqueProcessKey;
    SIZE_T PeakVirtualSize;
    SIZE_T VirtualSize;
    ULONG PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
    SIZE_T PrivatePageCount;
};

using NtQuerySystemInformationFn = LONG(NTAPI*)(int, PVOID, ULONG, PULONG);
using NtQueryInformationProcessFn = LONG(NTAPI*)(HANDLE, int, PVOID, ULONG, PULONG);

uint32_t pid_of(HANDLE h) {
    return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(h));
}

}  // namespace

bool nt_process_list(std::vector<NtProcess>& out, std::vector<unsigned char>& buffer,
                     long& status) {
    static const auto query =
        ntdll_function<NtQuerySystemInformationFn>("NtQuerySystemInformation");
    out.clear();
    if (!query) {
        status = static_cast<long>(0xC0000002);  // STATUS_NOT_IMPLEMENTED
        return false;
    }
    if (buffer.size() < 256 * 1024) buffer.resize(256 * 1024);
    ULONG needed = 0;
    LONG rc = k_status_info_length_mismatch;
    for (int attempt = 0; attempt < 8 && rc == k_status_info_length_mismatch; ++attempt) {
        rc = query(k_system_process_information, buffer.data(), static_cast<ULONG>(buffer.size()),
                   &needed);
        // Processes start between the two calls: ask for more than the last answer.
        if (rc == k_status_info_length_mismatch) {
            buffer.resize(std::max<size_t>(buffer.size() * 2, needed + 64 * 1024));
        }
    }
    status = rc;
    if (rc < 0) return false;
    size_t offset = 0;
    while (offset + sizeof(SystemProcessInformation) <= buffer.size()) {
        const auto* p = reinterpret_cast<const SystemProcessInformation*>(buffer.data() + offset);
        NtProcess e;
        e.pid = pid_of(p->UniqueProcessId);
        e.ppid = pid_of(p->InheritedFromUniqueProcessId);
        if (p->ImageName.Buffer && p->ImageName.Length) {
            e.image_name.assign(p->ImageName.Buffer, p->ImageName.Length / sizeof(wchar_t));
        }
        e.threads = p->NumberOfThreads;
        e.handles = p->HandleCount;
        e.session = p->SessionId;
        e.create_time = p->CreateTime.QuadPart;
        e.working_set = p->WorkingSetSize;
        e.virtual_size = p->VirtualSize;
        e.private_bytes = p->PrivatePageCount;
        out.push_back(std::move(e));
        if (p->NextEntryOffset == 0) break;
        offset += p->NextEntryOffset;
    }
    return true;
}

std::optional<std::vector<NtProcess>> nt_process_list(long& status) {
    std::vector<NtProcess> out;
    std::vector<unsigned char> buffer;
    if (!nt_process_list(out, buffer, status)) return std::nullopt;
    return out;
}

std::optional<std::vector<ToolhelpProcess>> toolhelp_process_list(DWORD& error) {
    UniqueHandle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
    if (!snapshot) {
        error = GetLastError();
        return std::nullopt;
    }
    std::vector<ToolhelpProcess> out;
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    for (BOOL ok = Process32FirstW(snapshot.get(), &entry); ok;
         ok = Process32NextW(snapshot.get(), &entry)) {
        out.push_back(
            {entry.th32ProcessID, entry.th32ParentProcessID, entry.cntThreads, entry.szExeFile});
    }
    error = GetLastError();
    if (error != ERROR_NO_MORE_FILES && out.empty()) return std::nullopt;
    error = 0;
    return out;
}

std::optional<std::wstring> process_image_path(HANDLE process, DWORD& error) {
    std::wstring path(MAX_PATH, L'\0');
    for (int attempt = 0; attempt < 4; ++attempt) {
        DWORD size = static_cast<DWORD>(path.size());
        if (QueryFullProcessImageNameW(process, 0, path.data(), &size)) {
            path.resize(size);
            return path;
        }
        error = GetLastError();
        if (error != ERROR_INSUFFICIENT_BUFFER) return std::nullopt;
        path.resize(path.size() * 4);  // long paths (\\?\ up to 32767 characters)
    }
    return std::nullopt;
}

namespace {

/// PEB -> ProcessParameters -> CommandLine (x64 offsets, stable since XP x64). Needs
/// PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, so the caller's limited handle is reopened.
std::optional<std::wstring> command_line_from_peb(HANDLE limited, long& status) {
    static const auto query =
        ntdll_function<NtQueryInformationProcessFn>("NtQueryInformationProcess");
    constexpr LONG k_status_access_denied = static_cast<LONG>(0xC0000022);
    UniqueHandle process(
        OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, GetProcessId(limited)));
    if (!process) {
        status = GetLastError() == ERROR_ACCESS_DENIED ? k_status_access_denied
                                                       : static_cast<long>(0xC0000001);
        return std::nullopt;
    }
    PROCESS_BASIC_INFORMATION basic{};
    ULONG size = 0;
    LONG rc = query(process.get(), 0 /* ProcessBasicInformation */, &basic, sizeof basic, &size);
    if (rc < 0 || !basic.PebBaseAddress) {
        status = rc < 0 ? rc : static_cast<long>(0xC0000001);
        return std::nullopt;
    }
    constexpr size_t k_peb_process_parameters = 0x20;
    constexpr size_t k_parameters_command_line = 0x70;
    uintptr_t parameters = 0;
    UNICODE_STRING line{};
    SIZE_T got = 0;
    auto read = [&](uintptr_t at, void* into, SIZE_T bytes) {
        return ReadProcessMemory(process.get(), reinterpret_cast<LPCVOID>(at), into, bytes, &got) &&
               got == bytes;
    };
    if (!read(reinterpret_cast<uintptr_t>(basic.PebBaseAddress) + k_peb_process_parameters,
              &parameters, sizeof parameters) ||
        !parameters || !read(parameters + k_parameters_command_line, &line, sizeof line)) {
        status = GetLastError() == ERROR_ACCESS_DENIED ? k_status_access_denied
                                                       : static_cast<long>(0xC0000001);
        return std::nullopt;
    }
    std::wstring text(line.Length / sizeof(wchar_t), L'\0');
    if (line.Length && !read(reinterpret_cast<uintptr_t>(line.Buffer), text.data(), line.Length)) {
        status = static_cast<long>(0xC0000001);
        return std::nullopt;
    }
    status = 0;
    return text;
}

}  // namespace

std::optional<std::wstring> process_command_line(HANDLE process, long& status) {
    static const auto query =
        ntdll_function<NtQueryInformationProcessFn>("NtQueryInformationProcess");
    if (!query) {
        status = static_cast<long>(0xC0000002);
        return std::nullopt;
    }
    std::vector<unsigned char> buffer(4096);
    ULONG needed = 0;
    LONG rc = 0;
    for (int attempt = 0; attempt < 4; ++attempt) {
        rc = query(process, k_process_command_line_information, buffer.data(),
                   static_cast<ULONG>(buffer.size()), &needed);
        if (rc >= 0 || needed <= buffer.size()) break;
        buffer.resize(needed);
    }
    status = rc;
    if (rc >= 0) {
        const auto* text = reinterpret_cast<const UNICODE_STRING*>(buffer.data());
        if (!text->Buffer) return std::wstring();
        return std::wstring(text->Buffer, text->Length / sizeof(wchar_t));
    }
    // Before Windows 8.1 (and under Wine) the class does not exist: read the process's PEB.
    return command_line_from_peb(process, status);
}

std::vector<std::wstring> split_command_line(const std::wstring& line) {
    using SplitFn = LPWSTR*(WINAPI*)(LPCWSTR, int*);
    // Loaded here, not imported: irsnap.exe starts without shell32.dll, and most runs never
    // split a command line.
    static const SplitFn split = [] {
        HMODULE shell32 = LoadLibraryExW(L"shell32.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
        return shell32 ? reinterpret_cast<SplitFn>(
                             reinterpret_cast<void*>(GetProcAddress(shell32, "CommandLineToArgvW")))
                       : nullptr;
    }();
    // An empty line would make CommandLineToArgvW name the current program instead.
    if (line.empty()) return {};
    int count = 0;
    LPWSTR* parts = split ? split(line.c_str(), &count) : nullptr;
    if (!parts) return {line};
    std::vector<std::wstring> out(parts, parts + count);
    LocalFree(parts);
    return out;
}

std::string integrity_name(uint32_t rid) {
    if (rid >= SECURITY_MANDATORY_PROTECTED_PROCESS_RID) return "protected";
    if (rid >= SECURITY_MANDATORY_SYSTEM_RID) return "system";
    if (rid >= SECURITY_MANDATORY_HIGH_RID) return "high";
    if (rid >= SECURITY_MANDATORY_MEDIUM_RID + 0x100) return "medium_plus";  // MEDIUM_PLUS_RID
    if (rid >= SECURITY_MANDATORY_MEDIUM_RID) return "medium";
    if (rid >= SECURITY_MANDATORY_LOW_RID) return "low";
    return "untrusted";
}

namespace {

std::vector<unsigned char> token_information(HANDLE token, TOKEN_INFORMATION_CLASS kind) {
    DWORD size = 0;
    GetTokenInformation(token, kind, nullptr, 0, &size);
    std::vector<unsigned char> data(size);
    if (size == 0 || !GetTokenInformation(token, kind, data.data(), size, &size)) data.clear();
    return data;
}

/// Account names by SID string, looked up once per run (LookupAccountSidW may ask a domain
/// controller for domain accounts).
std::optional<std::string> account_name(PSID sid, const std::string& sid_text) {
    static std::mutex mutex;
    static std::map<std::string, std::optional<std::string>> cache;
    {
        std::lock_guard lock(mutex);
        auto it = cache.find(sid_text);
        if (it != cache.end()) return it->second;
    }
    wchar_t name[256], domain[256];
    DWORD name_size = 256, domain_size = 256;
    SID_NAME_USE use{};
    std::optional<std::string> result;
    if (LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use)) {
        result = domain_size ? to_utf8(domain) + "\\" + to_utf8(name) : to_utf8(name);
    }
    std::lock_guard lock(mutex);
    cache[sid_text] = result;
    return result;
}

}  // namespace

std::optional<TokenInfo> process_token(HANDLE process, DWORD& error) {
    HANDLE raw = nullptr;
    if (!OpenProcessToken(process, TOKEN_QUERY, &raw)) {
        error = GetLastError();
        return std::nullopt;
    }
    UniqueHandle token(raw);
    TokenInfo info;
    auto user = token_information(token.get(), TokenUser);
    if (!user.empty()) {
        PSID sid = reinterpret_cast<TOKEN_USER*>(user.data())->User.Sid;
        wchar_t* text = nullptr;
        if (ConvertSidToStringSidW(sid, &text)) {
            info.sid = to_utf8(text);
            LocalFree(text);
            info.user = account_name(sid, info.sid);
        }
    }
    auto label = token_information(token.get(), TokenIntegrityLevel);
    if (!label.empty()) {
        PSID sid = reinterpret_cast<TOKEN_MANDATORY_LABEL*>(label.data())->Label.Sid;
        const UCHAR count = *GetSidSubAuthorityCount(sid);
        if (count > 0) info.integrity = integrity_name(*GetSidSubAuthority(sid, count - 1));
    }
    TOKEN_ELEVATION elevation{};
    DWORD size = 0;
    if (GetTokenInformation(token.get(), TokenElevation, &elevation, sizeof elevation, &size)) {
        info.elevated = elevation.TokenIsElevated != 0;
    }
    return info;
}

bool enable_privilege(const wchar_t* name) {
    HANDLE raw = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &raw)) {
        return false;
    }
    UniqueHandle token(raw);
    TOKEN_PRIVILEGES privileges{};
    privileges.PrivilegeCount = 1;
    privileges.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    if (!LookupPrivilegeValueW(nullptr, name, &privileges.Privileges[0].Luid)) return false;
    // Succeeds with ERROR_NOT_ALL_ASSIGNED when the token does not hold the privilege.
    if (!AdjustTokenPrivileges(token.get(), FALSE, &privileges, 0, nullptr, nullptr)) return false;
    return GetLastError() == ERROR_SUCCESS;
}

}  // namespace irsnap::win
