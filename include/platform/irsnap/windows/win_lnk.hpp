// SPDX-License-Identifier: Apache-2.0
// Where a shell link (.lnk, MS-SHLLINK) points: the LinkInfo's local base path (plus common
// path suffix), the string data (relative path, working directory, arguments) and the
// environment-variable target block. Pure and platform-independent; the file is untrusted bytes:
// every offset and count is checked against the data, nothing is trusted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace irsnap::autoruns_win {

struct ShellLink {
    /// LocalBasePath (+ CommonPathSuffix). `target_is_ansi`: only the code-page form was present
    /// and bytes >= 0x80 were read as Latin-1 (the Windows side prefers the Unicode form).
    std::string target;
    bool target_is_ansi = false;
    std::string env_target;  ///< EnvironmentVariableDataBlock TargetUnicode, e.g. %windir%\x.exe
    std::string relative_path;
    std::string working_dir;
    std::string arguments;
    std::string name;   ///< the description string
    std::string error;  ///< why the link could not be read completely; empty when it could
};

/// Never throws. nullopt when the header is not a shell link's.
std::optional<ShellLink> parse_shell_link(std::string_view bytes);

}  // namespace irsnap::autoruns_win
