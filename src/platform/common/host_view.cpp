// SPDX-License-Identifier: Apache-2.0
#include "irsnap/host_view.hpp"

#include <algorithm>
#include <thread>

namespace irsnap {

bool HostView::should_stop() const {
    bool stop = (cancel && cancel->load(std::memory_order_relaxed)) ||
                std::chrono::steady_clock::now() >= deadline;
    if (stop) m_stop_observed = true;
    return stop;
}

std::filesystem::path HostView::host_path(const std::string& relative) const {
    return host_root / relative;
}

size_t worker_threads_for(unsigned cap, size_t items) {
    const size_t cpus = cap ? cap : std::thread::hardware_concurrency();
    return std::clamp<size_t>(std::min<size_t>(cpus, items / 64), 1, 4);
}

}  // namespace irsnap
