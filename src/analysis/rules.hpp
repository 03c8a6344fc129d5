// SPDX-License-Identifier: Apache-2.0
// The rule families, each in its own file; triage.cpp lists them (an explicit registry: a rule
// runs because it is named here, never because a static initialiser happened to run).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "irsnap/triage.hpp"

namespace irsnap::triage {

std::span<const Rule> cross_view_rules();   // rules_cross_view.cpp
std::span<const Rule> process_rules();      // rules_processes.cpp
std::span<const Rule> network_rules();      // rules_network.cpp
std::span<const Rule> memory_rules();       // rules_memory.cpp
std::span<const Rule> persistence_rules();  // rules_persistence.cpp
std::span<const Rule> kernel_rules();       // rules_kernel.cpp
std::span<const Rule> samples_rules();      // rules_samples.cpp

/// The specimens of one bundle (its `samples` records), indexed by what evidence can name them
/// by: SHA-256, record place, pid and path. Kept small and bounded (a crafted bundle with a
/// million records indexes the first k_max_specimens_indexed and the rest are not joined).
/// rules_samples.cpp.
class SpecimenIndex {
  public:
    void add(const Record& r);
    /// Fills each finding's `specimens` from its evidence, strongest match first.
    void attach(std::vector<Finding>& findings) const;
    size_t size() const { return m_specimens.size(); }
    uint64_t not_indexed() const { return m_not_indexed; }

  private:
    /// The specimens a process runs (its executable) and maps or holds open, each once.
    struct OfProcess {
        std::vector<uint32_t> exe, held;
    };
    std::vector<SpecimenRef> m_specimens;
    std::map<std::string, std::vector<uint32_t>, std::less<>> m_by_sha;
    std::map<std::pair<std::string, uint64_t>, uint32_t> m_by_place;
    std::map<int64_t, OfProcess> m_by_pid;
    std::map<std::string, std::vector<uint32_t>, std::less<>> m_by_path;
    size_t m_bytes = 0;  ///< what the index holds, roughly: bounded by k_max_index_bytes
    uint64_t m_not_indexed = 0;
};

/// Most specimen records one bundle's index holds (a run records at most a few thousand).
inline constexpr size_t k_max_specimens_indexed = 16384;
/// Most bytes of text the index keeps for them (paths of sources, notes).
inline constexpr size_t k_max_specimen_index_bytes = size_t{32} << 20;

/// A rule that looks at one record at a time and keeps nothing between records.
using RecordCheck = void (*)(const Rule& self, std::string_view collector, const Record& r,
                             FindingSink& out);

template <RecordCheck Check>
std::unique_ptr<RulePass> per_record(const Rule& self) {
    class Pass final : public RulePass {
      public:
        explicit Pass(const Rule& rule) : m_rule(rule) {}
        void see(std::string_view collector, const Record& r, FindingSink& out) override {
            Check(m_rule, collector, r, out);
        }

      private:
        const Rule& m_rule;
    };
    return std::make_unique<Pass>(self);
}

/// A rule whose pass is a class `P` constructed from the rule.
template <class P>
std::unique_ptr<RulePass> pass_of(const Rule& self) {
    return std::make_unique<P>(self);
}

}  // namespace irsnap::triage
