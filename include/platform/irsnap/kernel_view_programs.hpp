// SPDX-License-Identifier: Apache-2.0
// The run's BPF iterator programs (Linux, docs/kernel-views.md), loaded once at the start of the
// run: loading one makes libbpf parse the kernel's whole BTF (5.5 MB here, held twice for a
// moment), and done at the start that transient lands while the process is still small instead
// of on top of the descriptor table. Other systems: nothing is loaded.
#pragma once

#include <functional>
#include <string>

namespace irsnap {

class KernelViewPrograms {
  public:
    /// Loads the iterators the selected collectors read (`selected(name)`), when `wanted`
    /// (--no-bpf, a proc root that is not the live one: not). A program that fails to load is
    /// not kept: its reader tries again and reports why. Nothing is pinned.
    KernelViewPrograms(bool wanted, const std::function<bool(const std::string&)>& selected);
    /// Unloads them: nothing irsnap loaded outlives the run.
    ~KernelViewPrograms();
    KernelViewPrograms(const KernelViewPrograms&) = delete;
    KernelViewPrograms& operator=(const KernelViewPrograms&) = delete;
};

}  // namespace irsnap
