// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/host_view.hpp"

namespace irsnap {

/// Host identity for the manifest: hostname, FQDN (from the hosts file; no DNS), machine id,
/// boot id, OS, kernel, architecture, boot time, time zone and offset, interfaces. Host text
/// that is not UTF-8 is escaped (\xHH) and named in the object's `escaped_fields`. A host file
/// that exists but was refused (a FIFO, a device), unreadable or cut at its size cap adds a
/// line to `notes` (the manifest's notes): the field is then empty, never waited for.
nlohmann::json describe_host(const HostView& ctx, std::vector<std::string>& notes);

/// Who runs us: uid/euid, user name (from the passwd file, never NSS), elevated or not,
/// capabilities actually held. Same escaping and notes as describe_host.
nlohmann::json describe_operator(const HostView& ctx, std::vector<std::string>& notes);

/// Short host name for the bundle directory, reduced to [A-Za-z0-9._-].
std::string bundle_host_name();

/// The running executable's own path (to hash it and to find the default output directory).
std::filesystem::path running_executable();

/// SHA-256 of the file that is really running (Linux: through /proc/self/exe, so a renamed or
/// replaced file on disk cannot stand in for it); nullopt when it cannot be read.
std::optional<std::string> running_executable_sha256();

/// True when the effective user can create files in `dir`.
bool directory_writable(const std::filesystem::path& dir);

/// Opens /dev/null on any of stdin/stdout/stderr that is closed, so no file we open later can
/// take their numbers. Call first thing in main().
void ensure_standard_fds() noexcept;

/// True when `fd` (0, 1 or 2) was closed when the program started, before ensure_standard_fds
/// put /dev/null there: `-o -` must not stream a bundle into /dev/null and call it done.
bool standard_fd_was_closed(int fd) noexcept;

/// Lower our own CPU and I/O priority (--nice). Returns a note of what was applied.
std::string lower_own_priority();

/// The command line as UTF-8 strings. Linux: argv as the kernel gave it (bytes, not
/// necessarily UTF-8). Windows: the UTF-16 command line (CommandLineToArgvW), because the
/// narrow argv of the C runtime is in the ANSI code page and loses every other character.
std::vector<std::string> command_line_arguments(int argc, char** argv);

/// Windows: when irsnap owns its console alone (double-clicked from Explorer, so the window
/// closes with the process), waits for Enter so the operator can read the result. Never waits
/// when started from a console or a script, or when stdin is not a console. Linux: nothing.
void wait_if_console_is_ours();

}  // namespace irsnap
