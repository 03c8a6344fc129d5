// SPDX-License-Identifier: Apache-2.0
#include <windows.h>

#include "irsnap/windows/dos_devices_windows.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::win {

std::vector<DosDevice> dos_devices() {
    std::vector<DosDevice> out;
    const DWORD mask = GetLogicalDrives();
    for (int i = 0; i < 26; ++i) {
        if (!(mask & (1u << i))) continue;
        const wchar_t drive[3] = {static_cast<wchar_t>(L'A' + i), L':', 0};
        wchar_t target[1024] = {};
        if (QueryDosDeviceW(drive, target, 1024)) out.push_back({to_utf8(drive), to_utf8(target)});
    }
    return out;
}

}  // namespace irsnap::win
