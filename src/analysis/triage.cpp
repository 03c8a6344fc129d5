// SPDX-License-Identifier: Apache-2.0
// The rule registry and the rule runner: loads what the rules read, runs them all, orders the
// findings. The rules themselves live in rules_*.cpp, one family per file.
#include "irsnap/triage.hpp"

#include <algorithm>
#include <set>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

std::vector<Rule> all_rules() {
    std::vector<Rule> all;
    for (auto family : {cross_view_rules, process_rules, network_rules, memory_rules,
                        persistence_rules, kernel_rules}) {
        const auto rules = family();
        all.insert(all.end(), rules.begin(), rules.end());
    }
    std::sort(all.begin(), all.end(), [](const Rule& a, const Rule& b) { return a.id < b.id; });
    return all;
}

}  // namespace

std::span<const Rule> rules() {
    static const std::vector<Rule> k_all = all_rules();
    return k_all;
}

const std::vector<Record>& Input::of(std::string_view collector) const {
    static const std::vector<Record> k_none;
    auto it = records.find(collector);
    return it == records.end() ? k_none : it->second;
}

Finding Rule::finding(std::string why, std::vector<Evidence> evidence) const {
    return Finding{std::string(id), std::string(title), urgency, confidence, std::string(attack),
                   std::move(why),  std::move(evidence)};
}

std::vector<std::string> needed_collectors() {
    std::set<std::string> names;
    for (const Rule& rule : rules()) {
        std::string_view list = rule.collectors;
        while (!list.empty()) {
            const size_t comma = list.find(',');
            names.emplace(list.substr(0, comma));
            list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        }
    }
    return {names.begin(), names.end()};
}

std::vector<Finding> run_rules(const Input& in) {
    std::vector<Finding> findings;
    for (const Rule& rule : rules()) rule.run(rule, in, findings);
    auto place = [](const Finding& f) {
        return f.evidence.empty() ? std::pair<std::string, uint64_t>{}
                                  : std::pair{f.evidence.front().artifact, f.evidence.front().line};
    };
    std::stable_sort(findings.begin(), findings.end(), [&](const Finding& a, const Finding& b) {
        if (a.urgency != b.urgency) return a.urgency < b.urgency;
        if (a.confidence != b.confidence) return a.confidence < b.confidence;
        if (a.rule_id != b.rule_id) return a.rule_id < b.rule_id;
        return place(a) < place(b);
    });
    return findings;
}

nlohmann::json to_json(const Finding& f) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : f.evidence) {
        evidence.push_back({{"artifact", e.artifact}, {"line", e.line}, {"fields", e.fields}});
    }
    return {{"rule_id", f.rule_id},
            {"title", f.title},
            {"urgency", to_string(f.urgency)},
            {"confidence", to_string(f.confidence)},
            {"attack", f.attack.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.attack)},
            {"why", f.why},
            {"evidence", std::move(evidence)}};
}

}  // namespace irsnap::triage
