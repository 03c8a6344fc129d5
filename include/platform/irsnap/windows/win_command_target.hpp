// SPDX-License-Identifier: Apache-2.0
// Which file a Windows autorun starts: environment strings expanded, NT path forms turned into
// Win32 paths, and the program taken from a command line the way CreateProcess does it. Pure and
// platform-independent: the file system is asked only through the callback, so every rule is
// testable with literal strings on Linux.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::autoruns_win {

/// Value of an environment variable by name (Windows names are case-insensitive), or nullopt.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
/// Whether a regular file exists at a Win32 path.
using PathExists = std::function<bool(const std::string& path)>;

/// Expands %NAME% as ExpandEnvironmentStrings does; unknown names and a lone % stay as written.
/// Each user's own variables can be supplied by the lookup (a Run value under HKU\SID names
/// %APPDATA% of that user, not of the collector).
std::string expand_environment(std::string_view text, const EnvLookup& lookup);

/// Win32 form of a path written in an NT or legacy form: "\SystemRoot\x" and "\x" (the system
/// drive's root), "\??\C:\x", "\\?\C:\x", "\\?\UNC\srv\s"; with `relative_to_system_root`
/// (service and driver ImagePath), "System32\drivers\x.sys" is under `system_root`.
std::string normalize_windows_path(std::string_view path, std::string_view system_root,
                                   bool relative_to_system_root);

struct TargetOptions {
    std::string system_root = "C:\\Windows";
    /// Where a bare program name is looked for, in order (System32, then the Windows directory).
    std::vector<std::string> search_dirs;
    bool relative_to_system_root = false;  ///< service ImagePath semantics (see above)
};

struct CommandTarget {
    std::string path;  ///< Win32 path of the file; empty when a bare name was found nowhere
    bool exists = false;
    std::string via;        ///< the host program when the target is what it loads (rundll32)
    std::string arguments;  ///< what follows the program on the command line, trimmed
};

/// The file `command` starts. A quoted program is taken as quoted. An unquoted one with spaces
/// is tried prefix by prefix, shortest first, each also with ".exe" appended when it has no
/// extension, exactly as CreateProcess does (so a planted C:\Program.exe wins over
/// C:\Program Files\...). When nothing exists, the shortest prefix ending in an extension (else
/// the first word) is reported as missing. For rundll32 the target is the DLL it loads.
/// nullopt for an empty command.
std::optional<CommandTarget> command_target(std::string_view command, const TargetOptions& options,
                                            const PathExists& exists);

/// ASCII lower case (paths and names compare case-insensitively on Windows).
std::string lower_ascii(std::string_view text);

}  // namespace irsnap::autoruns_win
