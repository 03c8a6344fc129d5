// SPDX-License-Identifier: Apache-2.0
// Windows: the clock anchor, memory, and the mounted volumes (drive letters and folder mount
// points). Logon sessions (WTS / LSA) are not read yet: the spec lists the session fields for
// Linux only.
#include <windows.h>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/windows/win_text.hpp"
#include "system.hpp"
#include "system_windows.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using win::to_utf8;

void emit_clock(RecordSink& sink) {
    const ClockSample now = sample_clocks();
    sink.emit({{"record_type", "clock"},
               {"realtime", format_rfc3339_utc(now.realtime_ns)},
               {"realtime_ns", now.realtime_ns},
               {"monotonic_ns", now.monotonic_ns},
               {"boottime_ns", now.boottime_ns},
               {"boot_time", format_rfc3339_utc(now.realtime_ns - now.boottime_ns)},
               {"uptime_seconds", static_cast<double>(now.boottime_ns) / 1e9}});
}

void emit_memory(RecordSink& sink) {
    MEMORYSTATUSEX m{};
    m.dwLength = sizeof m;
    if (!GlobalMemoryStatusEx(&m)) {
        const DWORD error = GetLastError();
        sink.item_error(ItemError::from_win32("memory", error, "GlobalMemoryStatusEx",
                                              fmt::format("Win32 error {}", error)));
        return;
    }
    // The commit limit is RAM plus page files: the page file share is Windows' swap.
    const uint64_t swap_total =
        m.ullTotalPageFile > m.ullTotalPhys ? m.ullTotalPageFile - m.ullTotalPhys : 0;
    const uint64_t swap_free =
        m.ullAvailPageFile > m.ullAvailPhys ? m.ullAvailPageFile - m.ullAvailPhys : 0;
    sink.emit({{"record_type", "memory"},
               {"mem_total_bytes", m.ullTotalPhys},
               {"mem_free_bytes", m.ullAvailPhys},
               {"mem_available_bytes", m.ullAvailPhys},
               {"swap_total_bytes", swap_total},
               {"swap_free_bytes", swap_free}});
}

std::vector<std::wstring> multi_string(const std::vector<wchar_t>& buffer) {
    std::vector<std::wstring> out;
    for (const wchar_t* p = buffer.data(); p < buffer.data() + buffer.size() && *p;
         p += wcslen(p) + 1) {
        out.emplace_back(p);
    }
    return out;
}

void emit_volumes(RecordSink& sink) {
    wchar_t volume[MAX_PATH + 1];
    HANDLE find = FindFirstVolumeW(volume, MAX_PATH + 1);
    if (find == INVALID_HANDLE_VALUE) {
        const DWORD error = GetLastError();
        sink.item_error(ItemError::from_win32("volumes", error, "FindFirstVolumeW",
                                              fmt::format("Win32 error {}", error)));
        return;
    }
    do {
        DWORD size = 0;
        GetVolumePathNamesForVolumeNameW(volume, nullptr, 0, &size);
        std::vector<wchar_t> paths(size + 1, L'\0');
        if (!GetVolumePathNamesForVolumeNameW(volume, paths.data(), size, &size)) continue;
        wchar_t fs[MAX_PATH + 1] = {};
        const bool has_fs =
            GetVolumeInformationW(volume, nullptr, 0, nullptr, nullptr, nullptr, fs, MAX_PATH + 1);
        for (const auto& mount : multi_string(paths)) {
            sink.emit({{"record_type", "mount"},
                       {"mount_point", to_utf8(mount)},
                       {"fs_type", has_fs ? json(to_utf8(fs)) : json(nullptr)},
                       {"source", to_utf8(volume)}});
        }
    } while (FindNextVolumeW(find, volume, MAX_PATH + 1));
    FindVolumeClose(find);
}

}  // namespace

void collect_system(const Context&, RecordSink& sink) {
    emit_clock(sink);
    emit_memory(sink);
    emit_volumes(sink);
    emit_logon_sessions(sink);
}

}  // namespace irsnap::collectors
