// SPDX-License-Identifier: Apache-2.0
// Host and operator identity for the manifest on Windows, from Win32/ntdll calls and the
// registry only (no host programs, no DNS).
// Order matters: winsock2.h before windows.h, windows.h before the rest.
#include <winsock2.h>

#include <windows.h>

#include <iphlpapi.h>
#include <sddl.h>
#include <ws2tcpip.h>

#include <fcntl.h>
#include <io.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/file_hash.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/host.hpp"
#include "irsnap/time_zone.hpp"
#include "irsnap/windows/win_text.hpp"
#include "irsnap/windows/wine_detect.hpp"

namespace irsnap {
namespace {

using nlohmann::json;
using win::to_utf8;

std::string computer_name(COMPUTER_NAME_FORMAT format) {
    DWORD size = 0;
    GetComputerNameExW(format, nullptr, &size);
    if (size == 0) return {};
    std::wstring name(size, L'\0');
    if (!GetComputerNameExW(format, name.data(), &size)) return {};
    name.resize(size);
    return to_utf8(name);
}

/// A REG_SZ value under HKLM from the 64-bit view; "" when absent.
std::string hklm_string(const wchar_t* key, const wchar_t* value) {
    DWORD size = 0;
    const DWORD flags = RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, value, flags, nullptr, nullptr, &size) !=
            ERROR_SUCCESS ||
        size < sizeof(wchar_t)) {
        return {};
    }
    std::wstring text(size / sizeof(wchar_t), L'\0');
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, value, flags, nullptr, text.data(), &size) !=
        ERROR_SUCCESS) {
        return {};
    }
    text.resize(wcsnlen(text.c_str(), text.size()));
    return to_utf8(text);
}

std::string format_offset(long seconds) {
    char sign = seconds < 0 ? '-' : '+';
    long a = std::labs(seconds);
    return fmt::format("{}{:02}:{:02}", sign, a / 3600, (a % 3600) / 60);
}

std::string address_text(const SOCKADDR* sa) {
    char text[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text,
                  sizeof text);
    }
    return text;
}

json network_interfaces() {
    ULONG size = 16 * 1024;
    std::vector<unsigned char> buffer;
    ULONG rc = ERROR_BUFFER_OVERFLOW;
    for (int attempt = 0; attempt < 4 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
        buffer.resize(size);
        rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_DNS_SERVER | GAA_FLAG_SKIP_MULTICAST,
                                  nullptr, reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()),
                                  &size);
    }
    if (rc != ERROR_SUCCESS) return json::array();
    std::map<std::string, json> by_name;
    for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()); a; a = a->Next) {
        json mac = nullptr;
        if (a->PhysicalAddressLength > 0) {
            std::string text;
            for (ULONG i = 0; i < a->PhysicalAddressLength; ++i) {
                text += fmt::format("{}{:02x}", i ? ":" : "", a->PhysicalAddress[i]);
            }
            mac = text;
        }
        json addresses = json::array();
        for (auto* u = a->FirstUnicastAddress; u; u = u->Next) {
            addresses.push_back(fmt::format("{}/{}", address_text(u->Address.lpSockaddr),
                                            static_cast<unsigned>(u->OnLinkPrefixLength)));
        }
        std::string name = a->FriendlyName ? to_utf8(a->FriendlyName) : std::string(a->AdapterName);
        by_name[name] = {{"name", name},
                         {"up", a->OperStatus == IfOperStatusUp},
                         {"mac", mac},
                         {"addresses", addresses}};
    }
    json out = json::array();
    for (auto& [name, entry] : by_name) out.push_back(std::move(entry));
    return out;
}

struct TokenFacts {
    std::string sid;
    std::string user;
    bool elevated = false;
    json privileges = json::array();  ///< enabled ones
};

TokenFacts token_facts() {
    TokenFacts facts;
    HANDLE token = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return facts;
    DWORD size = 0;
    GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    std::vector<unsigned char> user(size);
    if (size && GetTokenInformation(token, TokenUser, user.data(), size, &size)) {
        PSID sid = reinterpret_cast<TOKEN_USER*>(user.data())->User.Sid;
        wchar_t* text = nullptr;
        if (ConvertSidToStringSidW(sid, &text)) {
            facts.sid = to_utf8(text);
            LocalFree(text);
        }
        wchar_t name[256], domain[256];
        DWORD name_size = 256, domain_size = 256;
        SID_NAME_USE use{};
        if (LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use)) {
            facts.user = to_utf8(domain) + "\\" + to_utf8(name);
        }
    }
    TOKEN_ELEVATION elevation{};
    if (GetTokenInformation(token, TokenElevation, &elevation, sizeof elevation, &size)) {
        facts.elevated = elevation.TokenIsElevated != 0;
    }
    size = 0;
    GetTokenInformation(token, TokenPrivileges, nullptr, 0, &size);
    std::vector<unsigned char> privileges(size);
    if (size && GetTokenInformation(token, TokenPrivileges, privileges.data(), size, &size)) {
        auto* list = reinterpret_cast<TOKEN_PRIVILEGES*>(privileges.data());
        for (DWORD i = 0; i < list->PrivilegeCount; ++i) {
            if (!(list->Privileges[i].Attributes & SE_PRIVILEGE_ENABLED)) continue;
            wchar_t name[128];
            DWORD name_size = 128;
            if (LookupPrivilegeNameW(nullptr, &list->Privileges[i].Luid, name, &name_size)) {
                facts.privileges.push_back(to_utf8(name));
            }
        }
    }
    CloseHandle(token);
    return facts;
}

}  // namespace

json describe_host(const HostView&, std::vector<std::string>& /*notes*/) {
    utsname uts{};
    uname(&uts);
    const wchar_t* k_current = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
    const auto offset = host_utc_offset_seconds();
    // Boot time from the milliseconds since boot (counts sleep), against the wall clock.
    const ClockSample now = sample_clocks();
    const int64_t boot_ns = now.realtime_ns - static_cast<int64_t>(GetTickCount64()) * 1'000'000;
    return {
        {"hostname", computer_name(ComputerNameDnsHostname)},
        {"fqdn", computer_name(ComputerNameDnsFullyQualified)},
        {"domainname", computer_name(ComputerNameDnsDomain)},
        {"netbios_name", computer_name(ComputerNameNetBIOS)},
        {"machine_id", hklm_string(L"SOFTWARE\\Microsoft\\Cryptography", L"MachineGuid")},
        {"boot_id", ""},
        {"boot_time", format_rfc3339_utc(boot_ns / 1'000'000'000 * 1'000'000'000)},
        {"os",
         {{"family", "windows"},
          {"name", hklm_string(k_current, L"ProductName")},
          {"id", "windows"},
          {"version", hklm_string(k_current, L"DisplayVersion")},
          {"build", uts.release}}},
        {"kernel", {{"release", uts.release}, {"version", hklm_string(k_current, L"BuildLabEx")}}},
        {"architecture", uts.machine},
        {"time_zone", host_time_zone_name()},
        {"utc_offset", offset ? json(format_offset(*offset)) : json(nullptr)},
        {"utc_offset_seconds", offset ? json(*offset) : json(nullptr)},
        {"interfaces", network_interfaces()},
        // Recorded so an analyst (and the tests) know that socket owners are 0 and some tables
        // are Wine's emulation, not a kernel's.
        {"wine", win::wine_version() ? json(*win::wine_version()) : json(nullptr)},
    };
}

json describe_operator(const HostView&, std::vector<std::string>& /*notes*/) {
    TokenFacts facts = token_facts();
    return {
        {"sid", facts.sid},
        {"user", facts.user},
        {"elevated", facts.elevated},
        {"privileges", facts.privileges},
    };
}

std::string bundle_host_name() {
    std::string name = computer_name(ComputerNameDnsHostname);
    if (name.empty()) name = computer_name(ComputerNameNetBIOS);
    std::string out;
    for (char c : name) {
        bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
        out.push_back(safe ? c : '_');
    }
    return out.empty() ? "host" : out;
}

std::filesystem::path running_executable() {
    std::wstring path(MAX_PATH, L'\0');
    while (true) {
        DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
        if (n == 0) return {};
        if (n < path.size()) {
            path.resize(n);
            return std::filesystem::path(path);
        }
        path.resize(path.size() * 2);
    }
}

std::optional<std::string> running_executable_sha256() {
    // A running image cannot be written to on Windows (the loader maps it with a section that
    // forbids writes), so the file at the module path is what runs.
    const auto path = running_executable();
    if (path.empty()) return std::nullopt;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    FileHash h = hash_fd(fd, 0, 0, nullptr);
    ::close(fd);
    return h.sha256;
}

bool directory_writable(const std::filesystem::path& dir) {
    // Checks existence and the read-only attribute only; an ACL that denies us shows up as a
    // clear error when the bundle directory is created.
    return _waccess(dir.c_str(), 2) == 0;
}

namespace {
bool g_standard_fd_closed[3] = {false, false, false};
}  // namespace

bool standard_fd_was_closed(int fd) noexcept {
    return fd >= 0 && fd <= 2 && g_standard_fd_closed[fd];
}

void ensure_standard_fds() noexcept {
    for (int fd = 0; fd <= 2; ++fd) {
        // A GUI-started process or a closed handle: the CRT descriptor has no OS handle (-2).
        if (_get_osfhandle(fd) < 0) {
            g_standard_fd_closed[fd] = true;
            HANDLE nul =
                CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr);
            if (nul != INVALID_HANDLE_VALUE) {
                int opened = _open_osfhandle(reinterpret_cast<intptr_t>(nul), 0);
                if (opened >= 0 && opened != fd) {
                    _dup2(opened, fd);
                    _close(opened);
                }
            }
        }
        // Bytes out exactly as written: a tar stream on stdout, digests over what was written.
        _setmode(fd, _O_BINARY);
    }
    _fmode = _O_BINARY;  // files the C runtime opens by itself
    // Console output in UTF-8 (names, paths); a redirected stdout gets the bytes unchanged.
    SetConsoleOutputCP(CP_UTF8);
}

// msvcrt's own wide argument parser (the one behind wmain): the same splitting rules as the
// narrow argv, without loading shell32.dll for CommandLineToArgvW.
struct MsvcrtStartupInfo {
    int new_mode;
};
extern "C" __declspec(dllimport) int __cdecl __wgetmainargs(int* argc, wchar_t*** argv,
                                                            wchar_t*** env, int wildcard,
                                                            MsvcrtStartupInfo* info);

std::vector<std::string> command_line_arguments(int argc, char** argv) {
    int count = 0;
    wchar_t** wide = nullptr;
    wchar_t** env = nullptr;
    MsvcrtStartupInfo info{0};
    if (__wgetmainargs(&count, &wide, &env, 0, &info) < 0 || !wide || count != argc) {
        return std::vector<std::string>(argv, argv + argc);
    }
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) out.push_back(to_utf8(wide[i]));
    return out;
}

void wait_if_console_is_ours() {
    DWORD processes[2];
    DWORD mode = 0;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    // One process on the console (us): Explorer made it for us and it closes when we exit.
    // Not under Wine: a program started there from a Unix terminal also looks like the only
    // process on a console of its own, and would wait in every interactive test.
    if (GetConsoleProcessList(processes, 2) != 1 || !GetConsoleMode(in, &mode) ||
        win::running_under_wine()) {
        return;
    }
    std::fputs("\nPress Enter to close this window.\n", stderr);
    std::fflush(stderr);
    FlushConsoleInputBuffer(in);
    wchar_t ch = 0;
    DWORD got = 0;
    while (ReadConsoleW(in, &ch, 1, &got, nullptr) && got == 1 && ch != L'\r' && ch != L'\n') {
    }
}

std::string lower_own_priority() {
    // Background mode lowers CPU, I/O and memory priority of the process together.
    return SetPriorityClass(GetCurrentProcess(), PROCESS_MODE_BACKGROUND_BEGIN)
               ? "background mode (cpu, io and memory priority lowered)"
               : "priority unchanged";
}

}  // namespace irsnap
