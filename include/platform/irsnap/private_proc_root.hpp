// SPDX-License-Identifier: Apache-2.0
// A proc root no mount on the host's tree can cover (Linux): when something is mounted over
// /proc, /proc/PID or an entry below /proc (a rootkit hides a process by bind-mounting an empty
// directory over its /proc/PID), the run reads a procfs instance of its own, created with
// fsopen("proc") + fsmount and never attached to any mount tree. Other systems: never.
#pragma once

#include <optional>
#include <string>

#include "irsnap/unique_fd.hpp"

namespace irsnap {

struct PrivateProcRoot {
    UniqueFd mount;    ///< the detached mount; the instance lives while this is open
    std::string path;  ///< a path to its root for path-based readers (/proc/self/fd/N)
    std::string why;   ///< the covering mounts that made the run use it, for the log
};

/// A private procfs instance when `proc_root` is "/proc" and the host's mountinfo shows a mount
/// covering all or part of it. Nullopt when nothing covers it (`why` stays empty) or when the
/// instance cannot be made (no privilege, a kernel before 5.2; `why` says so and the run reads
/// the host's /proc as before). Changes nothing on the host: the instance is read-only, in no
/// mount namespace, and gone when `mount` is closed.
std::optional<PrivateProcRoot> private_proc_root_if_covered(const std::string& proc_root,
                                                            std::string& why);

}  // namespace irsnap
