// SPDX-License-Identifier: Apache-2.0
// The rule families, each in its own file; triage.cpp lists them (an explicit registry: a rule
// runs because it is named here, never because a static initialiser happened to run).
#pragma once

#include <span>

#include "irsnap/triage.hpp"

namespace irsnap::triage {

std::span<const Rule> cross_view_rules();   // rules_cross_view.cpp
std::span<const Rule> process_rules();      // rules_processes.cpp
std::span<const Rule> network_rules();      // rules_network.cpp
std::span<const Rule> memory_rules();       // rules_memory.cpp
std::span<const Rule> persistence_rules();  // rules_persistence.cpp
std::span<const Rule> kernel_rules();       // rules_kernel.cpp

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
