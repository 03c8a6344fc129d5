// SPDX-License-Identifier: Apache-2.0
#include "process_memory_windows.hpp"

#include <psapi.h>
#include <tlhelp32.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "irsnap/windows/system_function.hpp"

namespace irsnap::collectors::winmem {
namespace {

using NtProcessFn = LONG(NTAPI*)(HANDLE);
using NtQueryInformationThreadFn = LONG(NTAPI*)(HANDLE, ULONG, PVOID, ULONG, PULONG);
using RtlGetVersionFn = LONG(NTAPI*)(OSVERSIONINFOEXW*);

/// THREAD_BASIC_INFORMATION (winternl.h does not declare it): the TEB's address.
struct ThreadBasicInformation {
    LONG exit_status;
    PVOID teb_base_address;
    PVOID unique_process, unique_thread;
    ULONG_PTR affinity_mask;
    LONG priority, base_priority;
};
constexpr ULONG k_thread_basic_information = 0;
/// A stack larger than this is not believed (a corrupted TEB): its bytes stay unreferenced.
constexpr uint64_t k_max_stack = 256ull << 20;
constexpr uint64_t k_page = 4096;
/// The PE headers live in the image's first page.
constexpr size_t k_pe_header_bytes = 4096;

bool process_gone(HANDLE process) {
    DWORD code = 0;
    return GetExitCodeProcess(process, &code) && code != STILL_ACTIVE;
}

template <class T>
T read_le(const std::string& bytes, size_t at) {
    T value{};
    if (at + sizeof(T) <= bytes.size()) std::memcpy(&value, bytes.data() + at, sizeof(T));
    return value;
}

/// The checksum and link timestamp of a mapped PE image, read from the target.
void read_pe_header(uint64_t base, const MemoryRead& read, minidump::ModuleFacts& module) {
    std::string page(k_pe_header_bytes, '\0');
    if (read(base, page.data(), page.size()) != static_cast<long>(page.size())) return;
    if (page.compare(0, 2, "MZ") != 0) return;
    const auto nt = read_le<uint32_t>(page, 0x3c);
    if (nt > page.size() - 24 - 68 || page.compare(nt, 4, std::string("PE\0\0", 4)) != 0) return;
    module.time_date_stamp = read_le<uint32_t>(page, nt + 8);  // IMAGE_FILE_HEADER
    // CheckSum sits at offset 64 of the optional header in PE32 and PE32+ alike.
    module.checksum = read_le<uint32_t>(page, nt + 24 + 64);
}

std::u16string to_u16(const std::wstring& text) {
    return std::u16string(text.begin(), text.end());  // wchar_t is UTF-16 on Windows
}

}  // namespace

std::vector<minidump::RegionFacts> query_regions(HANDLE process) {
    std::vector<minidump::RegionFacts> out;
    uint64_t address = 0;
    MEMORY_BASIC_INFORMATION info{};
    while (VirtualQueryEx(process, reinterpret_cast<LPCVOID>(address), &info, sizeof(info)) ==
           sizeof(info)) {
        minidump::RegionFacts r;
        r.base = reinterpret_cast<uint64_t>(info.BaseAddress);
        r.allocation_base = reinterpret_cast<uint64_t>(info.AllocationBase);
        r.allocation_protect = info.AllocationProtect;
        r.size = info.RegionSize;
        r.state = info.State;
        r.protect = info.Protect;
        r.type = info.Type;
        if (r.size == 0 || r.base + r.size <= address) break;  // no progress: stop, never spin
        out.push_back(r);
        address = r.base + r.size;
    }
    return out;
}

bool committed(const minidump::RegionFacts& r) {
    return r.state == MEM_COMMIT;
}

bool readable(const minidump::RegionFacts& r) {
    if (!committed(r) || (r.protect & PAGE_GUARD)) return false;
    return (r.protect & 0xff) != PAGE_NOACCESS && (r.protect & 0xff) != 0;
}

bool executable(uint32_t protect) {
    return (protect & (PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE |
                       PAGE_EXECUTE_WRITECOPY)) != 0;
}

bool writable(uint32_t protect) {
    return (protect & (PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE |
                       PAGE_EXECUTE_WRITECOPY)) != 0;
}

bool anonymous_executable(const minidump::RegionFacts& r) {
    return committed(r) && r.type == MEM_PRIVATE && executable(r.protect);
}

std::string permissions(const minidump::RegionFacts& r) {
    const uint32_t p = committed(r) ? r.protect : 0;
    const bool read = (p & (PAGE_READONLY | PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READ |
                            PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY)) != 0;
    std::string out;
    out += read ? 'r' : '-';
    out += writable(p) ? 'w' : '-';
    out += executable(p) ? 'x' : '-';
    out += r.type == MEM_PRIVATE ? 'p' : 's';
    return out;
}

MemoryRead memory_reader(std::shared_ptr<win::UniqueHandle> process) {
    return [process](uint64_t address, char* buffer, size_t size) -> long {
        HANDLE h = process->get();
        SIZE_T got = 0;
        if (ReadProcessMemory(h, reinterpret_cast<LPCVOID>(address), buffer, size, &got) &&
            got == size) {
            return static_cast<long>(size);
        }
        if (process_gone(h)) return -ESRCH;
        size_t done = 0;
        while (done < size) {
            const uint64_t at = address + done;
            const size_t step = static_cast<size_t>(
                std::min<uint64_t>(size - done, (at / k_page + 1) * k_page - at));
            SIZE_T n = 0;
            const BOOL ok =
                ReadProcessMemory(h, reinterpret_cast<LPCVOID>(at), buffer + done, step, &n);
            if (!ok || n != step) {
                done += std::min<size_t>(n, step);
                break;
            }
            done += step;
        }
        return static_cast<long>(done);
    };
}

std::vector<minidump::ThreadFacts> read_threads(HANDLE process, uint32_t pid, bool frozen,
                                                const MemoryRead& read) {
    static const auto query =
        win::ntdll_function<NtQueryInformationThreadFn>("NtQueryInformationThread");
    std::vector<minidump::ThreadFacts> out;
    const DWORD priority_class = GetPriorityClass(process);  // 0 when it cannot be read
    win::UniqueHandle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0));
    if (!snapshot) return out;
    THREADENTRY32 entry{};
    entry.dwSize = sizeof(entry);
    for (BOOL more = Thread32First(snapshot.get(), &entry); more;
         more = Thread32Next(snapshot.get(), &entry)) {
        if (entry.th32OwnerProcessID != pid) continue;
        minidump::ThreadFacts t;
        t.id = entry.th32ThreadID;
        t.priority_class = priority_class;
        win::UniqueHandle thread(OpenThread(
            THREAD_GET_CONTEXT | THREAD_SUSPEND_RESUME | THREAD_QUERY_INFORMATION, FALSE, t.id));
        if (!thread) {
            out.push_back(std::move(t));  // listed by id: its registers are not in the dump
            continue;
        }
        t.priority = static_cast<uint32_t>(GetThreadPriority(thread.get()));
        // Registers are only consistent while the thread stands still.
        const DWORD previous = SuspendThread(thread.get());
        alignas(16) CONTEXT context{};
        context.ContextFlags = CONTEXT_ALL;
        if (GetThreadContext(thread.get(), &context)) {
            t.context.assign(reinterpret_cast<const char*>(&context), sizeof(context));
        }
        if (previous != static_cast<DWORD>(-1)) {
            ResumeThread(thread.get());
            t.suspend_count = frozen && previous > 0 ? previous - 1 : previous;
        }
        ThreadBasicInformation basic{};
        if (query &&
            query(thread.get(), k_thread_basic_information, &basic, sizeof(basic), nullptr) >= 0) {
            t.teb = reinterpret_cast<uint64_t>(basic.teb_base_address);
        }
        // NT_TIB at the TEB: ExceptionList, StackBase, StackLimit.
        uint64_t tib[3] = {};
        if (t.teb && read(t.teb, reinterpret_cast<char*>(tib), sizeof(tib)) == sizeof(tib) &&
            tib[2] < tib[1] && tib[1] - tib[2] <= k_max_stack) {
            const uint64_t rsp = t.context.empty() ? 0 : context.Rsp;
            const uint64_t low = rsp >= tib[2] && rsp < tib[1] ? rsp / k_page * k_page : tib[2];
            t.stack_start = low;
            t.stack_size = tib[1] - low;
        }
        out.push_back(std::move(t));
    }
    return out;
}

std::vector<minidump::ModuleFacts> read_modules(HANDLE process, const MemoryRead& read) {
    std::vector<minidump::ModuleFacts> out;
    std::vector<HMODULE> modules(512);
    DWORD needed = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        const auto bytes = static_cast<DWORD>(modules.size() * sizeof(HMODULE));
        if (!EnumProcessModulesEx(process, modules.data(), bytes, &needed, LIST_MODULES_ALL)) {
            needed = 0;
            Sleep(10);  // ERROR_PARTIAL_COPY while the loader is busy
            continue;
        }
        if (needed <= bytes) break;
        modules.resize(needed / sizeof(HMODULE) + 16);
        needed = 0;
    }
    modules.resize(std::min<size_t>(modules.size(), needed / sizeof(HMODULE)));
    for (HMODULE module : modules) {
        MODULEINFO info{};
        if (!GetModuleInformation(process, module, &info, sizeof(info))) continue;
        minidump::ModuleFacts m;
        m.base = reinterpret_cast<uint64_t>(info.lpBaseOfDll);
        m.size = info.SizeOfImage;
        std::wstring name(32768, L'\0');
        const DWORD n =
            GetModuleFileNameExW(process, module, name.data(), static_cast<DWORD>(name.size()));
        name.resize(n);
        m.name = to_u16(name);
        read_pe_header(m.base, read, m);
        out.push_back(std::move(m));
    }
    return out;
}

minidump::SystemFacts system_facts() {
    minidump::SystemFacts s;
    SYSTEM_INFO info{};
    GetNativeSystemInfo(&info);
    s.processor_architecture = info.wProcessorArchitecture;
    s.processor_level = info.wProcessorLevel;
    s.processor_revision = info.wProcessorRevision;
    s.number_of_processors = static_cast<uint8_t>(std::min<DWORD>(info.dwNumberOfProcessors, 255));
    // RtlGetVersion: GetVersionEx reports what the program's manifest claims, not the host.
    static const auto get_version = win::ntdll_function<RtlGetVersionFn>("RtlGetVersion");
    OSVERSIONINFOEXW version{};
    version.dwOSVersionInfoSize = sizeof(version);
    if (get_version && get_version(&version) >= 0) {
        s.major_version = version.dwMajorVersion;
        s.minor_version = version.dwMinorVersion;
        s.build_number = version.dwBuildNumber;
        s.platform_id = version.dwPlatformId;
        s.product_type = version.wProductType;
    }
    return s;
}

ProcessFreeze::ProcessFreeze(HANDLE process, bool wanted) : m_process(process) {
    if (!wanted) return;
    static const auto suspend = win::ntdll_function<NtProcessFn>("NtSuspendProcess");
    if (!suspend) {
        m_note = "NtSuspendProcess is not available: memory read while the process ran";
        return;
    }
    m_timer.emplace();
    const LONG status = suspend(process);
    if (status < 0) {
        m_timer.reset();
        m_note = fmt::format(
            "NtSuspendProcess failed (NTSTATUS 0x{:08x}): memory read while the process ran",
            static_cast<unsigned long>(status));
        return;
    }
    m_frozen = true;
}

ProcessFreeze::~ProcessFreeze() {
    resume();
}

FreezeWindow ProcessFreeze::resume() {
    if (!m_frozen) return {};
    static const auto resume_process = win::ntdll_function<NtProcessFn>("NtResumeProcess");
    if (resume_process) resume_process(m_process);
    m_frozen = false;
    return m_timer->stop();
}

}  // namespace irsnap::collectors::winmem
