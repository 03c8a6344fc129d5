// SPDX-License-Identifier: Apache-2.0
// Loaded kernel drivers: EnumDeviceDrivers (load addresses) with each driver's image name, the
// name normalised to a Win32 path (\SystemRoot\..., \??\C:\..., relative names), then the file
// hashed and its Authenticode status checked. One view only: Windows has no second list a user
// program can read without a driver of its own.
#include <windows.h>

#include <psapi.h>

#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/hash_window.hpp"
#include "common/signature_window.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/windows/dos_devices_windows.hpp"
#include "irsnap/windows/file_hash_windows.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_driver_path.hpp"
#include "irsnap/windows/win_object_path.hpp"
#include "irsnap/windows/win_text.hpp"
#include "irsnap/windows/wine_detect.hpp"
#include "kernel_modules.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using win::to_utf8;
using win::to_wide;

constexpr size_t k_pending_window = 64;
// Most drivers are catalog-signed: tens of milliseconds each, so checked in parallel.
constexpr unsigned k_signature_threads = 4;

std::vector<LPVOID> driver_bases(DWORD& error) {
    std::vector<LPVOID> bases(1024);
    for (int attempt = 0; attempt < 4; ++attempt) {
        DWORD needed = 0;
        const auto bytes = static_cast<DWORD>(bases.size() * sizeof(LPVOID));
        if (!EnumDeviceDrivers(bases.data(), bytes, &needed)) {
            error = GetLastError();
            return {};
        }
        if (needed <= bytes) {
            bases.resize(needed / sizeof(LPVOID));
            return bases;
        }
        bases.resize(needed / sizeof(LPVOID) + 64);
    }
    error = ERROR_INSUFFICIENT_BUFFER;
    return {};
}

template <class Fn>
std::wstring driver_text(Fn fn, LPVOID base) {
    std::wstring text(MAX_PATH, L'\0');
    DWORD n = fn(base, text.data(), static_cast<DWORD>(text.size()));
    if (n >= text.size() - 1) {
        text.resize(32768);
        n = fn(base, text.data(), static_cast<DWORD>(text.size()));
    }
    text.resize(n);
    return text;
}

/// Drive letters and the NT devices they name, for \Device\HarddiskVolumeN\... driver names.
std::string windows_directory() {
    wchar_t dir[MAX_PATH + 1] = {};
    const UINT n = GetWindowsDirectoryW(dir, MAX_PATH + 1);
    return n > 0 && n <= MAX_PATH ? to_utf8(std::wstring_view(dir, n)) : std::string();
}

}  // namespace

void collect_kernel_modules(const Context& ctx, RecordSink& sink) {
    win::enable_privilege(L"SeDebugPrivilege");  // else the addresses read as 0
    DWORD error = 0;
    const auto bases = driver_bases(error);
    if (bases.empty()) {
        if (error) {
            throw std::runtime_error(
                fmt::format("EnumDeviceDrivers failed: Win32 error {}", error));
        }
        // Real Windows always lists the kernel itself: none at all means something hides them.
        // Wine has no Windows kernel, so no drivers: said in coverage like its other gaps.
        sink.coverage(win::running_under_wine()
                          ? "EnumDeviceDrivers lists no drivers under Wine (there is no Windows "
                            "kernel)"
                          : "EnumDeviceDrivers returned no drivers (Windows always lists its "
                            "kernel: something hides them)");
        return;
    }
    const std::string windows_dir = windows_directory();
    const auto drives = win::dos_devices();
    HashWindow window(sink, k_pending_window, "sha256", "hash_note");
    win::SignatureWindow signatures(window, k_pending_window);
    win::SignaturePool pool(k_signature_threads);
    uint64_t hidden_addresses = 0, unnamed = 0, unmapped = 0;
    for (LPVOID base : bases) {
        if (ctx.should_stop()) break;
        json r = json::object();
        r["kind"] = "module";
        // Without SeDebugPrivilege on Windows 8.1+ every address reads as 0 (KASLR).
        const auto address = reinterpret_cast<uintptr_t>(base);
        r["address"] = address ? json(fmt::format("0x{:x}", address)) : json(nullptr);
        if (!address) ++hidden_addresses;
        const std::wstring name = driver_text(GetDeviceDriverBaseNameW, base);
        const std::wstring raw = driver_text(GetDeviceDriverFileNameW, base);
        r["name"] = name.empty() ? json(nullptr) : json(to_utf8(name));
        r["raw_path"] = raw.empty() ? json(nullptr) : json(to_utf8(raw));
        r["file_path"] = nullptr;
        r["sha256"] = nullptr;
        r["hash_note"] = nullptr;
        r["file_size"] = nullptr;
        for (const char* field :
             {"signed", "signature", "signer", "signature_source", "signature_note"}) {
            r[field] = nullptr;
        }
        if (raw.empty()) {
            ++unnamed;
            r["hash_note"] = "no image name for this driver";
            signatures.push(std::move(r), std::nullopt, std::nullopt);
            continue;
        }
        const std::string raw_utf8 = to_utf8(raw);
        auto path = win::normalize_driver_path(raw_utf8, windows_dir);
        if (!path) path = win::nt_path_to_win32(raw_utf8, drives);
        if (!path) {
            ++unmapped;
            r["hash_note"] = "image name is not a Win32 path";
            signatures.push(std::move(r), std::nullopt, std::nullopt);
            continue;
        }
        r["file_path"] = *path;
        const std::wstring wide = to_wide(*path);
        auto request = win::submit_file_hash(ctx.hashes, wide);
        if (request.size) r["file_size"] = *request.size;
        if (!request.pending) r["hash_note"] = request.note;
        signatures.push(std::move(r), std::move(request.pending), pool.submit(wide));
    }
    signatures.flush();
    window.flush();
    if (hidden_addresses) {
        sink.coverage(fmt::format(
            "{} driver address(es) read as 0: Windows hides them without SeDebugPrivilege "
            "(run as an administrator)",
            hidden_addresses));
    }
    if (unnamed) sink.coverage(fmt::format("{} driver(s) without an image name", unnamed));
    if (unmapped) {
        sink.coverage(
            fmt::format("{} driver image name(s) not mappable to a file: not hashed", unmapped));
    }
}

}  // namespace irsnap::collectors
