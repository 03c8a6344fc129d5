// SPDX-License-Identifier: Apache-2.0
// The descriptor walk from the kernel's own tables (iter/task_file), the fast path of
// walk_open_handles on a live host.
#pragma once

#include <optional>
#include <string>

#include "irsnap/open_handles.hpp"

namespace irsnap::bpf_iter {

/// Every process's descriptors, the same records the /proc walk makes: the kernel's list gives
/// type, inode, device, flags, position and path of each; /proc is asked only for what it
/// cannot give (a stat on a stacking file system, a path too long, the content of a deleted
/// file) and for the processes it does not list (one it hides from BPF's task iterators, or one
/// that started after the iterator passed). nullopt, with the reason in `why_not`, when the
/// iterator cannot be loaded or read: the caller walks /proc instead.
std::optional<HandleSnapshot> walk_open_handles_in_kernel(const HostView& host,
                                                          std::string& why_not);

}  // namespace irsnap::bpf_iter
