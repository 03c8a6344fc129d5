// SPDX-License-Identifier: Apache-2.0
// Whether irsnap runs under Wine: Wine's ntdll exports wine_get_version, Windows' does not.
// Collectors say so in coverage where Wine's emulation differs from a Windows kernel (socket
// owner pids are always 0, the DNS client cache does not exist ...).
#pragma once

#include <optional>
#include <string>

namespace irsnap::win {

/// Wine's version (e.g. "8.0"), or nullopt on Windows.
std::optional<std::string> wine_version();

inline bool running_under_wine() {
    return wine_version().has_value();
}

}  // namespace irsnap::win
