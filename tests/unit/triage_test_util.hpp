// SPDX-License-Identifier: Apache-2.0
// Triage rule tests' inputs: each collector's records as literal JSON lines, numbered from 1 as
// in an artifact, and the findings one rule gives over them.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "irsnap/triage.hpp"

namespace irsnap::triage::test {

inline Input input_of(
    std::initializer_list<std::pair<std::string, std::vector<std::string>>> sets) {
    Input in;
    for (const auto& [collector, lines] : sets) {
        auto& records = in.records[collector];
        for (size_t i = 0; i < lines.size(); ++i) {
            records.push_back(
                {"artifacts/07_" + collector + ".jsonl", i + 1, nlohmann::json::parse(lines[i])});
        }
    }
    return in;
}

inline std::vector<Finding> of_rule(const Input& in, std::string_view id) {
    std::vector<Finding> out;
    for (auto& f : run_rules(in)) {
        if (f.rule_id == id) out.push_back(std::move(f));
    }
    return out;
}

}  // namespace irsnap::triage::test
