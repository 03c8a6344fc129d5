// SPDX-License-Identifier: Apache-2.0
// Finds specimens on Windows: every process's image (module 0) and loaded modules, named by the
// kernel's mapping (GetMappedFileNameW), chosen when the path is a user-writable place or the
// image is not Authenticode-verified; and the files the responder names. Each chosen file is
// opened once by path (win::open_disk_file: disk files only) and handed to SpecimenSet, which
// hashes, chooses, copies and records, as on Linux.
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <psapi.h>

#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "irsnap/windows/disk_file.hpp"
#include "irsnap/windows/dos_devices_windows.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/signature_pool.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_object_path.hpp"
#include "irsnap/windows/win_text.hpp"
#include "samples.hpp"

namespace irsnap::collectors {
namespace {

using Reasons = std::set<SpecimenReason>;
using win::to_utf8;

// Signature checks in flight, as in the modules collector.
constexpr unsigned k_signature_threads = 4;
// EnumProcessModulesEx fails with ERROR_PARTIAL_COPY while a process is still loading.
constexpr int k_enum_attempts = 3;

std::wstring path_key(const std::wstring& path) {
    std::wstring key = path;
    CharUpperBuffW(key.data(), static_cast<DWORD>(key.size()));
    return key;
}

std::optional<std::vector<HMODULE>> list_modules(HANDLE process) {
    std::vector<HMODULE> modules(256);
    for (int attempt = 0; attempt < k_enum_attempts; ++attempt) {
        DWORD needed = 0;
        const auto bytes = static_cast<DWORD>(modules.size() * sizeof(HMODULE));
        if (!EnumProcessModulesEx(process, modules.data(), bytes, &needed, LIST_MODULES_ALL)) {
            if (GetLastError() != ERROR_PARTIAL_COPY) return std::nullopt;
            Sleep(10);
            continue;
        }
        if (needed <= bytes) {
            modules.resize(needed / sizeof(HMODULE));
            return modules;
        }
        modules.resize(needed / sizeof(HMODULE) + 16);
    }
    return std::nullopt;
}

/// One distinct image path and everything that loaded it.
struct Image {
    std::wstring path;
    Reasons reasons;  ///< from the path and --samples
    std::vector<SpecimenSource> sources;
    std::shared_future<win::Signature> signature;
};

class SampleFinder {
  public:
    SampleFinder(const Context& ctx, RecordSink& sink)
        : m_ctx(ctx),
          m_sink(sink),
          m_all(ctx.params.samples == "all-executables"),
          m_pool(k_signature_threads) {}

    void run() {
        if (!win::enable_privilege(L"SeDebugPrivilege")) {
            m_sink.coverage(
                "SeDebugPrivilege not held: other users' and service processes may be denied "
                "(run as an administrator for full coverage)");
        }
        read_requested();
        long status = 0;
        auto processes = win::nt_process_list(status);
        if (!processes) {
            m_sink.coverage(fmt::format(
                "no process list (NtQuerySystemInformation NTSTATUS 0x{:08x}): no process was "
                "looked at",
                static_cast<unsigned long>(status)));
        } else {
            const DWORD self = GetCurrentProcessId();
            for (const auto& p : *processes) {
                if (m_ctx.should_stop()) break;
                if (p.pid == 0 || p.pid == 4 || p.pid == self) continue;
                read_process(p.pid, p.image_name);
            }
        }
        for (auto& [key, image] : m_images) {
            if (m_ctx.should_stop()) break;
            take_image(image);
        }
        if (m_denied) {
            m_sink.coverage(
                fmt::format("{} process(es) could not be opened (PROCESS_QUERY_INFORMATION | "
                            "PROCESS_VM_READ): protected processes, or not an administrator",
                            m_denied));
        }
        if (m_enum_failed) {
            m_sink.coverage(
                fmt::format("module list unreadable for {} process(es)", m_enum_failed));
        }
        m_set.finish(m_ctx, m_sink);
    }

  private:
    void read_process(uint32_t pid, const std::wstring& name) {
        win::UniqueHandle process(
            OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid));
        if (!process) {
            if (GetLastError() == ERROR_INVALID_PARAMETER) {
                m_sink.race();
            } else {
                ++m_denied;
            }
            return;
        }
        auto modules = list_modules(process.get());
        if (!modules) {
            DWORD code = 0;
            if (GetExitCodeProcess(process.get(), &code) && code != STILL_ACTIVE) {
                m_sink.race();
            } else {
                ++m_enum_failed;
            }
            return;
        }
        const std::string process_name = to_utf8(name);
        for (size_t i = 0; i < modules->size(); ++i) {
            const HMODULE module = (*modules)[i];
            auto path = mapped_path(process.get(), module);
            if (!path) path = loader_path(process.get(), module);
            if (!path) continue;  // unloaded since the list was read
            SpecimenSource src;
            src.kind = i == 0 ? "exe" : "module";
            src.pid = pid;
            src.process = process_name;
            src.handle = fmt::format("0x{:x}", reinterpret_cast<uintptr_t>(module));
            src.path = to_utf8(*path);
            src.read_via = src.path;
            Image& image = image_for(*path);
            if (m_all) image.reasons.insert(SpecimenReason::all_executables);
            image.sources.push_back(std::move(src));
        }
    }

    Image& image_for(const std::wstring& path) {
        const std::wstring key = path_key(path);
        if (auto it = m_images.find(key); it != m_images.end()) return it->second;
        Image image;
        image.path = path;
        image.reasons = windows_path_reasons(to_utf8(path));
        image.signature = m_pool.submit(path);  // checked while the walk goes on
        return m_images.emplace(key, std::move(image)).first->second;
    }

    /// GetMappedFileNameW's NT name as a Win32 path: the kernel's, not the loader's (the PEB is
    /// writable by the process).
    std::optional<std::wstring> mapped_path(HANDLE process, HMODULE module) {
        std::wstring nt(4096, L'\0');
        const DWORD n =
            GetMappedFileNameW(process, module, nt.data(), static_cast<DWORD>(nt.size()));
        if (n == 0) return std::nullopt;
        nt.resize(n);
        auto path = win::nt_path_to_win32(to_utf8(nt), m_drives);
        if (!path) return std::nullopt;
        return win::to_wide(*path);
    }

    /// The loader's name, when the kernel gives none (older Wine).
    static std::optional<std::wstring> loader_path(HANDLE process, HMODULE module) {
        std::wstring path(MAX_PATH, L'\0');
        DWORD n = 0;
        while ((n = GetModuleFileNameExW(process, module, path.data(),
                                         static_cast<DWORD>(path.size()))) == path.size() &&
               path.size() < 32768) {
            path.resize(path.size() * 2);
        }
        if (n == 0) return std::nullopt;
        path.resize(n);
        return path;
    }

    void take_image(Image& image) {
        Reasons reasons = image.reasons;
        const win::Signature signature = image.signature.get();
        if (!signature.is_signed()) reasons.insert(SpecimenReason::unsigned_image);
        if (reasons.empty() || image.sources.empty()) return;
        take(image.path, std::move(reasons), std::move(image.sources));
    }

    /// Opens `path` once and adds it with every source; a failure is recorded per source.
    void take(const std::wstring& path, Reasons reasons, std::vector<SpecimenSource> sources) {
        win::DiskFile opened = win::open_disk_file(path);
        std::string status, note;
        if (!opened) {
            const DWORD error = opened.error;
            status = !opened.refused.empty() ? "not_regular"
                     : error == ERROR_ACCESS_DENIED || error == ERROR_SHARING_VIOLATION ? "denied"
                     : error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND
                         ? "vanished"
                         : "read_failed";
            note = opened.reason();
        } else {
            BY_HANDLE_FILE_INFORMATION info{};
            if (!GetFileInformationByHandle(opened.handle.get(), &info)) {
                status = "read_failed";
                note = fmt::format("GetFileInformationByHandle: Win32 error {}", GetLastError());
            } else {
                const uint64_t size = (uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
                if (size == 0) {
                    for (auto& src : sources) m_set.add_empty(reasons, std::move(src));
                    return;
                }
                const auto mtime =
                    static_cast<int64_t>((uint64_t{info.ftLastWriteTime.dwHighDateTime} << 32) |
                                         info.ftLastWriteTime.dwLowDateTime);
                // Volume serial and file index identify the file as dev/inode do on Linux.
                const FileKey key{info.dwVolumeSerialNumber,
                                  (uint64_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow, size,
                                  win::filetime_to_unix_ns(mtime)};
                if (m_set.merge_known(key, reasons, sources.front())) {
                    // Already held through another name (a hard link, 8.3 name): add the rest.
                    for (size_t i = 1; i < sources.size(); ++i) {
                        m_set.merge_known(key, reasons, std::move(sources[i]));
                    }
                    return;
                }
                const int fd = _open_osfhandle(reinterpret_cast<intptr_t>(opened.handle.get()),
                                               _O_RDONLY | _O_BINARY);
                if (fd < 0) {
                    status = "read_failed";
                    note = "out of descriptors";
                } else {
                    opened.handle.release();  // the descriptor owns it now
                    m_set.add({UniqueFd(fd), key, reasons, std::move(sources.front())}, m_sink);
                    for (size_t i = 1; i < sources.size(); ++i) {
                        m_set.merge_known(key, reasons, std::move(sources[i]));
                    }
                    return;
                }
            }
        }
        for (auto& src : sources) m_set.add_unreadable(reasons, std::move(src), status, note);
    }

    void read_requested() {
        for (const auto& path : m_ctx.params.collect_files) {
            SpecimenSource src;
            src.kind = "requested";
            src.path = path;
            src.read_via = path;
            take(win::to_wide(path), {SpecimenReason::requested}, {std::move(src)});
        }
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    const bool m_all;
    win::SignaturePool m_pool;
    SpecimenSet m_set;
    std::map<std::wstring, Image> m_images;
    std::vector<win::DosDevice> m_drives = win::dos_devices();
    uint64_t m_denied = 0;
    uint64_t m_enum_failed = 0;
};

}  // namespace

void collect_samples(const Context& ctx, RecordSink& sink) {
    SampleFinder(ctx, sink).run();
}

}  // namespace irsnap::collectors
