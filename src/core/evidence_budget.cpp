// SPDX-License-Identifier: Apache-2.0
#include "irsnap/evidence_budget.hpp"

#include <algorithm>

namespace irsnap {

std::string to_string(BudgetRefusal refusal) {
    switch (refusal) {
        case BudgetRefusal::run_budget:
            return "budget";
        case BudgetRefusal::disk_space:
            return "disk_space";
    }
    return "budget";
}

EvidenceBudget::EvidenceBudget(uint64_t max_bytes,
                               std::function<std::optional<uint64_t>()> free_bytes)
    : m_max(max_bytes), m_free_bytes(std::move(free_bytes)) {}

std::optional<BudgetRefusal> EvidenceBudget::take(uint64_t bytes) {
    std::lock_guard lock(m_mutex);
    if (bytes > m_max - m_used) return BudgetRefusal::run_budget;
    if (m_free_bytes) {
        // Asked each time: other writers (the host, our own artifacts) use the disk too.
        const auto free = m_free_bytes();
        if (free &&
            (*free < k_free_space_reserve_bytes || bytes > *free - k_free_space_reserve_bytes)) {
            return BudgetRefusal::disk_space;
        }
    }
    m_used += bytes;
    return std::nullopt;
}

uint64_t EvidenceBudget::available() const {
    std::lock_guard lock(m_mutex);
    uint64_t left = m_max - m_used;
    if (m_free_bytes) {
        if (const auto free = m_free_bytes()) {
            left = std::min(left, *free > k_free_space_reserve_bytes
                                      ? *free - k_free_space_reserve_bytes
                                      : uint64_t{0});
        }
    }
    return left;
}

uint64_t EvidenceBudget::used() const {
    std::lock_guard lock(m_mutex);
    return m_used;
}

}  // namespace irsnap
