// SPDX-License-Identifier: Apache-2.0
#include "irsnap/collector.hpp"

namespace irsnap {

bool Context::should_stop() const {
    bool stop = (cancel && cancel->load(std::memory_order_relaxed)) ||
                std::chrono::steady_clock::now() >= deadline;
    if (stop) m_stop_observed = true;
    return stop;
}

std::filesystem::path Context::host_path(const std::string& relative) const {
    return host_root / relative;
}

}  // namespace irsnap
