// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace irsnap {

inline constexpr uint64_t k_default_max_sample_bytes = 64ull << 20;
inline constexpr uint64_t k_default_max_evidence_bytes = 512ull << 20;
/// Free space left on the output's file system whatever the budget says: the manifest, the log
/// and the collectors after the copying ones still need room (and the stick may be shared).
inline constexpr uint64_t k_free_space_reserve_bytes = 256ull << 20;

/// Why copied content was not taken.
enum class BudgetRefusal { run_budget, disk_space };
std::string to_string(BudgetRefusal refusal);

/// The run's allowance for copied host content (specimens and files), shared by every collector
/// that copies: at most `max_bytes` in all, and never closer than the reserve to a full output
/// disk. Thread-safe.
class EvidenceBudget {
  public:
    /// `free_bytes` tells the output file system's free space now (empty for a stream, which
    /// writes nothing to disk).
    EvidenceBudget(uint64_t max_bytes, std::function<std::optional<uint64_t>()> free_bytes);

    /// Takes `bytes` from the budget, or says why not (nothing is taken then).
    std::optional<BudgetRefusal> take(uint64_t bytes);
    /// The most take() would grant now.
    uint64_t available() const;
    uint64_t used() const;
    uint64_t max_bytes() const { return m_max; }

  private:
    mutable std::mutex m_mutex;
    uint64_t m_max;
    uint64_t m_used = 0;
    std::function<std::optional<uint64_t>()> m_free_bytes;
};

}  // namespace irsnap
