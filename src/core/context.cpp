// SPDX-License-Identifier: Apache-2.0
#include "irsnap/collector.hpp"

namespace irsnap {

bool Context::should_stop() const {
    if (cancel && cancel->load(std::memory_order_relaxed)) return true;
    return std::chrono::steady_clock::now() >= deadline;
}

std::filesystem::path Context::host_path(const std::string& relative) const {
    return host_root / relative;
}

}  // namespace irsnap
