// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/wine_detect.hpp"

#include <windows.h>

namespace irsnap::win {

std::optional<std::string> wine_version() {
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (!ntdll) return std::nullopt;
    using Fn = const char*(__cdecl*)();
    auto fn =
        reinterpret_cast<Fn>(reinterpret_cast<void*>(GetProcAddress(ntdll, "wine_get_version")));
    if (!fn) return std::nullopt;
    const char* version = fn();
    return std::string(version ? version : "");
}

}  // namespace irsnap::win
