// SPDX-License-Identifier: Apache-2.0
// A file system instance attached to no mount tree (Linux 5.2+ mount API): read-only, nosuid,
// nodev, noexec, seen in no mountinfo, gone when the descriptor is closed. For reading a pseudo
// file system the host covered (procfs) or never mounted (tracefs) without changing the host's
// mounts.
#pragma once

#include "irsnap/result.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap {

/// fsopen(fstype) + fsconfig(CREATE) + fsmount: the mount's root descriptor, for openat.
/// Needs CAP_SYS_ADMIN in the user namespace owning irsnap's mount namespace.
Result<UniqueFd> detached_mount(const char* fstype);

}  // namespace irsnap
