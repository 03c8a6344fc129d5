// SPDX-License-Identifier: Apache-2.0
// Functions of Windows' own DLLs looked up at run time: ntdll's native calls
// (NtQuerySystemInformation, NtQueryObject ...) have no stable import library and differ between
// Windows versions, and newer exports (wintrust's catalog v2 calls) are missing from older
// Windows and from Wine, where a missing import would stop irsnap.exe from starting at all.
#pragma once

#include <windows.h>

namespace irsnap::win {

/// `name` from the already loaded `module` as a function pointer of type Fn; null when the
/// module is not loaded or does not export it.
template <class Fn>
Fn system_function(const wchar_t* module, const char* name) {
    HMODULE h = GetModuleHandleW(module);
    return h ? reinterpret_cast<Fn>(reinterpret_cast<void*>(GetProcAddress(h, name))) : nullptr;
}

template <class Fn>
Fn ntdll_function(const char* name) {
    return system_function<Fn>(L"ntdll.dll", name);
}

}  // namespace irsnap::win
