// SPDX-License-Identifier: Apache-2.0
// Loaded images per process: EnumProcessModulesEx(LIST_MODULES_ALL) (64- and 32-bit modules of
// WOW64 processes), each image's path, base and size, its SHA-256 through the shared cache and
// its Authenticode status. A DLL loaded by every process is opened, hashed and checked once.
#include <windows.h>

#include <psapi.h>

#include <map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/debug_process_list.hpp"
#include "common/hash_window.hpp"
#include "common/signature_window.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/windows/dos_devices_windows.hpp"
#include "irsnap/windows/file_hash_windows.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_text.hpp"
#include "modules.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using win::to_utf8;

constexpr size_t k_pending_window = 256;
// Signature checks in flight: disk and CPU bound (hashing, catalog lookups).
constexpr unsigned k_signature_threads = 4;
// EnumProcessModulesEx fails with ERROR_PARTIAL_COPY while a process is still loading.
constexpr int k_enum_attempts = 3;

/// What one image path resolved to: shared by every process that loaded it.
struct Resolved {
    std::optional<std::shared_future<FileHash>> hash;
    json file_size;
    json hash_note;
    std::shared_future<win::Signature> signature;
};

struct Coverage {
    uint64_t denied = 0;       ///< processes that could not be opened
    uint64_t enum_failed = 0;  ///< opened, but the module list could not be read
    uint64_t hash_denied = 0;  ///< image files that could not be opened for hashing
};

std::string hex(uint64_t value) {
    return fmt::format("0x{:x}", value);
}

/// Upper-cased path: the same DLL may be named in two cases by two processes.
std::wstring path_key(const std::wstring& path) {
    std::wstring key = path;
    CharUpperBuffW(key.data(), static_cast<DWORD>(key.size()));
    return key;
}

std::optional<std::vector<HMODULE>> list_modules(HANDLE process, DWORD& error) {
    std::vector<HMODULE> modules(256);
    for (int attempt = 0; attempt < k_enum_attempts; ++attempt) {
        DWORD needed = 0;
        const auto bytes = static_cast<DWORD>(modules.size() * sizeof(HMODULE));
        if (!EnumProcessModulesEx(process, modules.data(), bytes, &needed, LIST_MODULES_ALL)) {
            error = GetLastError();
            if (error != ERROR_PARTIAL_COPY) return std::nullopt;
            Sleep(10);
            continue;
        }
        if (needed <= bytes) {
            modules.resize(needed / sizeof(HMODULE));
            return modules;
        }
        modules.resize(needed / sizeof(HMODULE) + 16);  // loaded more meanwhile: read again
    }
    return std::nullopt;
}

class ModulesWalk {
  public:
    ModulesWalk(const Context& ctx, RecordSink& sink)
        : m_ctx(ctx),
          m_sink(sink),
          m_window(sink, k_pending_window, "sha256", "hash_note"),
          m_signatures(m_window, k_pending_window),
          m_pool(k_signature_threads) {}

    void process(uint32_t pid, const std::wstring& name) {
        if (pid == 0 || pid == 4) return;  // idle and System: no user-mode modules
        win::UniqueHandle process(
            OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid));
        if (!process) {
            const DWORD error = GetLastError();
            if (error == ERROR_INVALID_PARAMETER) {
                m_sink.race();  // exited since the list was read
            } else {
                ++m_coverage.denied;
            }
            return;
        }
        DWORD error = 0;
        auto modules = list_modules(process.get(), error);
        if (!modules) {
            DWORD code = 0;
            if (GetExitCodeProcess(process.get(), &code) && code != STILL_ACTIVE) {
                m_sink.race();
            } else {
                ++m_coverage.enum_failed;
                m_sink.item_error(ItemError::from_win32(
                    "enum_modules", error, fmt::format("pid {}", pid),
                    fmt::format("EnumProcessModulesEx failed: Win32 error {}", error)));
            }
            return;
        }
        // The first module is the program itself.
        std::vector<std::shared_future<win::Signature>> verdicts;
        bool image_known = false;
        for (size_t i = 0; i < modules->size(); ++i) {
            auto signature = emit(process.get(), pid, name, (*modules)[i]);
            if (i == 0) image_known = signature.has_value();
            if (signature) verdicts.push_back(std::move(*signature));
        }
        if (image_known && verdicts.size() > 1) m_verdicts.emplace_back(pid, std::move(verdicts));
    }

    void finish() {
        m_signatures.flush();
        m_window.flush();
        flag_unsigned_modules();
        if (m_coverage.denied) {
            m_sink.coverage(
                fmt::format("{} process(es) could not be opened (PROCESS_QUERY_INFORMATION | "
                            "PROCESS_VM_READ): protected processes, or not an administrator",
                            m_coverage.denied));
        }
        if (m_coverage.enum_failed) {
            m_sink.coverage(fmt::format("module list unreadable for {} process(es) (see errors)",
                                        m_coverage.enum_failed));
        }
        if (m_coverage.hash_denied) {
            m_sink.coverage(fmt::format("{} image file(s) could not be opened for hashing",
                                        m_coverage.hash_denied));
        }
    }

  private:
    /// A signed program that loaded an unsigned module, for the memory collector's
    /// --dump-suspicious ("error" means not checked, which is no verdict).
    void flag_unsigned_modules() {
        for (const auto& [pid, verdicts] : m_verdicts) {
            if (!verdicts.front().get().is_signed()) continue;
            for (size_t i = 1; i < verdicts.size(); ++i) {
                const std::string status = verdicts[i].get().status;
                if (status != "valid" && status != "error") {
                    m_ctx.flag_process(pid, "unsigned_module");
                    break;
                }
            }
        }
    }

    /// Emits the module's record; returns its signature check, when its file was found.
    std::optional<std::shared_future<win::Signature>> emit(HANDLE process, uint32_t pid,
                                                           const std::wstring& name,
                                                           HMODULE module) {
        json r = json::object();
        r["kind"] = "file";
        r["pid"] = pid;
        r["process_name"] = to_utf8(name);
        r["base_address"] = hex(reinterpret_cast<uintptr_t>(module));
        r["size_bytes"] = nullptr;
        r["executable"] = true;  // an image: its code sections are mapped executable
        MODULEINFO info{};
        if (GetModuleInformation(process, module, &info, sizeof(info))) {
            r["size_bytes"] = static_cast<uint64_t>(info.SizeOfImage);
        }
        r["sha256"] = nullptr;
        // The kernel's name for the mapped file is the truth: the loader's (from the PEB) is
        // writable by the process, and names System32 for the SysWOW64 DLLs of a 32-bit one.
        const auto mapped = mapped_path(process, module);
        const auto loader = loader_path(process, module);
        if (!mapped && !loader) {
            const DWORD error = GetLastError();
            if (error == ERROR_INVALID_HANDLE) {
                m_sink.race();  // unloaded since the list was read
                return std::nullopt;
            }
            r["path"] = nullptr;
            r["loader_path"] = nullptr;
            r["hash_note"] = fmt::format("module path unreadable: Win32 error {}", error);
            for (const char* field : {"file_size", "signed", "signature", "signer",
                                      "signature_source", "signature_note"}) {
                r[field] = nullptr;
            }
            m_signatures.push(std::move(r), std::nullopt, std::nullopt);
            return std::nullopt;
        }
        const std::wstring path = mapped ? *mapped : *loader;
        r["path"] = to_utf8(path);
        r["loader_path"] =
            loader && path_key(*loader) != path_key(path) ? json(to_utf8(*loader)) : json(nullptr);
        const Resolved& file = resolve(path);
        r["file_size"] = file.file_size;
        r["hash_note"] = file.hash_note;
        m_signatures.push(std::move(r), file.hash, file.signature);
        return file.signature;
    }

    /// GetMappedFileNameW's NT name as a Win32 path; nullopt when not mappable.
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

    const Resolved& resolve(const std::wstring& path) {
        const std::wstring key = path_key(path);
        if (auto it = m_files.find(key); it != m_files.end()) return it->second;
        Resolved resolved;
        auto request = win::submit_file_hash(m_ctx.hashes, path);
        resolved.hash = request.pending;
        resolved.file_size = request.size ? json(*request.size) : json(nullptr);
        resolved.hash_note = request.pending ? json(nullptr) : json(request.note);
        if (request.denied) ++m_coverage.hash_denied;
        resolved.signature = m_pool.submit(path);
        return m_files.emplace(key, std::move(resolved)).first->second;
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    HashWindow m_window;
    win::SignatureWindow m_signatures;
    win::SignaturePool m_pool;
    Coverage m_coverage;
    std::map<std::wstring, Resolved> m_files;
    std::vector<std::pair<uint32_t, std::vector<std::shared_future<win::Signature>>>> m_verdicts;
    std::vector<win::DosDevice> m_drives = win::dos_devices();
};

}  // namespace

void collect_modules(const Context& ctx, RecordSink& sink) {
    const auto processes = debug_process_list(sink);
    ModulesWalk walk(ctx, sink);
    for (const auto& p : processes) {
        if (ctx.should_stop()) break;
        walk.process(p.pid, p.image_name);
    }
    walk.finish();
}

}  // namespace irsnap::collectors
