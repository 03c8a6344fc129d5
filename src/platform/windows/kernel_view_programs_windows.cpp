// SPDX-License-Identifier: Apache-2.0
#include "irsnap/kernel_view_programs.hpp"

namespace irsnap {

// Windows has no BPF iterators: the kernel views are Linux only (docs/kernel-views.md).
KernelViewPrograms::KernelViewPrograms(bool, const std::function<bool(const std::string&)>&) {}
KernelViewPrograms::~KernelViewPrograms() = default;

}  // namespace irsnap
