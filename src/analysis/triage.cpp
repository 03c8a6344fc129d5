// SPDX-License-Identifier: Apache-2.0
// The rule registry and the rule runner: loads what the rules read, runs them all, orders the
// findings. The rules themselves live in rules_*.cpp, one family per file.
#include "irsnap/triage.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

std::vector<Rule> all_rules() {
    std::vector<Rule> all;
    for (auto family : {cross_view_rules, process_rules, network_rules, memory_rules,
                        persistence_rules, script_rules, kernel_rules, bpf_rules, samples_rules,
                        package_rules, preload_rules, kernel_state_rules, activity_rules}) {
        const auto rules = family();
        all.insert(all.end(), rules.begin(), rules.end());
    }
    std::sort(all.begin(), all.end(), [](const Rule& a, const Rule& b) { return a.id < b.id; });
    return all;
}

std::vector<std::string_view> collectors_of(const Rule& rule) {
    std::vector<std::string_view> names;
    std::string_view list = rule.collectors;
    while (!list.empty()) {
        const size_t comma = list.find(',');
        names.push_back(list.substr(0, comma));
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
    return names;
}

}  // namespace

std::span<const Rule> rules() {
    static const std::vector<Rule> k_all = all_rules();
    return k_all;
}

Finding Rule::finding(std::string why, std::vector<Evidence> evidence) const {
    if (evidence.size() > k_max_evidence_per_finding) {
        why += " (" + std::to_string(evidence.size() - k_max_evidence_per_finding) +
               " more evidence records not listed)";
        evidence.resize(k_max_evidence_per_finding);
    }
    return Finding{std::string(id),
                   std::string(title),
                   urgency,
                   confidence,
                   std::string(attack),
                   cut_text(std::move(why), k_max_why_bytes),
                   std::move(evidence),
                   {},
                   {}};
}

void FindingSink::add(Finding f) {
    if (m_kept.size() >= m_cap) {
        ++m_omitted;
        return;
    }
    m_kept.push_back(std::move(f));
}

std::vector<std::string> needed_collectors() {
    std::set<std::string> names;
    for (const Rule& rule : rules()) {
        for (auto c : collectors_of(rule)) names.emplace(c);
    }
    // Read whatever the rules read: findings name the specimens and the memory of what they are
    // about.
    names.emplace(k_specimen_collector);
    names.emplace(k_memory_collector);
    return {names.begin(), names.end()};
}

struct Runner::Active {
    const Rule* rule;
    std::vector<std::string_view> collectors;
    std::unique_ptr<RulePass> pass;
    FindingSink sink;
};

Runner::Runner(size_t max_findings_per_rule)
    : m_specimens(std::make_unique<SpecimenIndex>()), m_memory(std::make_unique<MemoryIndex>()) {
    for (const Rule& rule : rules()) {
        m_active.push_back(Active{&rule, collectors_of(rule), rule.start(rule),
                                  FindingSink(max_findings_per_rule)});
    }
}

Runner::~Runner() = default;

bool Runner::wants(std::string_view collector) const {
    if (collector == k_specimen_collector || collector == k_memory_collector) return true;
    return std::any_of(m_active.begin(), m_active.end(), [&](const Active& a) {
        return std::find(a.collectors.begin(), a.collectors.end(), collector) != a.collectors.end();
    });
}

void Runner::add(std::string_view collector, const Record& r) {
    auto count = m_counts.find(collector);
    if (count == m_counts.end()) count = m_counts.emplace(std::string(collector), 0).first;
    ++count->second;
    if (collector == k_specimen_collector) m_specimens->add(r);
    if (collector == k_memory_collector) m_memory->add(r);
    // IRS-MEM-001's evidence: its ranges, so the finding lists the regions that overlap them.
    if (collector == "modules") m_memory->add_module(r);
    for (Active& a : m_active) {
        if (std::find(a.collectors.begin(), a.collectors.end(), collector) != a.collectors.end()) {
            a.pass->see(collector, r, a.sink);
        }
    }
}

std::vector<Finding> Runner::finish(const Context& ctx) {
    std::vector<Finding> findings;
    for (Active& a : m_active) {
        a.pass->finish(ctx, a.sink);
        for (Finding& f : a.sink.kept()) findings.push_back(std::move(f));
        if (a.sink.omitted() > 0) {
            // Counted, not kept: the analyst learns how many, and where to look for them.
            findings.push_back(a.rule->finding(
                fmt::format("{} more findings of this rule not listed (triage keeps the first {} "
                            "per rule; the rule's collectors' artifacts hold them all)",
                            a.sink.omitted(), a.sink.kept().size()),
                {}));
        }
        a.sink.kept().clear();
    }
    auto place = [](const Finding& f) {
        return f.evidence.empty() ? std::pair<std::string, uint64_t>{"\xff", 0}
                                  // "N more" last of its rule
                                  : std::pair{f.evidence.front().artifact, f.evidence.front().line};
    };
    std::stable_sort(findings.begin(), findings.end(), [&](const Finding& a, const Finding& b) {
        if (a.urgency != b.urgency) return a.urgency < b.urgency;
        if (a.confidence != b.confidence) return a.confidence < b.confidence;
        if (a.rule_id != b.rule_id) return a.rule_id < b.rule_id;
        return place(a) < place(b);
    });
    m_specimens->attach(findings);
    m_memory->attach(findings);
    return findings;
}

std::vector<Finding> run_rules(const Input& in, size_t max_findings_per_rule) {
    Runner runner(max_findings_per_rule);
    for (const auto& [collector, records] : in.records) {
        for (const Record& r : records) runner.add(collector, r);
    }
    return runner.finish(Context{in.collected_unix_ns, in.recent_days});
}

nlohmann::json to_json(const SpecimenRef& s) {
    auto text_or_null = [](const std::string& t) {
        return t.empty() ? nlohmann::json(nullptr) : nlohmann::json(t);
    };
    return {{"sha256", text_or_null(s.sha256)},
            {"path", text_or_null(s.path)},
            {"status", s.status},
            {"status_note", text_or_null(s.status_note)},
            {"archive", text_or_null(s.archive)},
            {"member", text_or_null(s.member)},
            {"artifact", s.artifact},
            {"line", s.line},
            {"match", s.match}};
}

nlohmann::json to_json(const MemoryRef& m) {
    auto text_or_null = [](const std::string& t) {
        return t.empty() ? nlohmann::json(nullptr) : nlohmann::json(t);
    };
    nlohmann::json out = {{"kind", m.kind}, {"pid", m.pid}};
    if (m.kind == "dump") {
        out["format"] = text_or_null(m.format);
    } else {
        out["start"] = text_or_null(m.start);
        out["end"] = text_or_null(m.end);
        out["permissions"] = text_or_null(m.permissions);
    }
    out["archive"] = text_or_null(m.archive);
    out["member"] = text_or_null(m.member);
    out["sha256"] = text_or_null(m.sha256);
    out["status"] = m.status;
    out["artifact"] = m.artifact;
    out["line"] = m.line;
    out["match"] = m.match;
    return out;
}

nlohmann::json to_json(const Finding& f) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : f.evidence) {
        evidence.push_back({{"artifact", e.artifact}, {"line", e.line}, {"fields", e.fields}});
    }
    nlohmann::json out = {
        {"rule_id", f.rule_id},
        {"title", f.title},
        {"urgency", to_string(f.urgency)},
        {"confidence", to_string(f.confidence)},
        {"attack", f.attack.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.attack)},
        {"why", f.why},
        {"evidence", std::move(evidence)}};
    if (!f.specimens.empty()) {
        nlohmann::json specimens = nlohmann::json::array();
        for (const auto& s : f.specimens) specimens.push_back(to_json(s));
        out["specimens"] = std::move(specimens);
    }
    if (!f.memory.empty()) {
        nlohmann::json memory = nlohmann::json::array();
        for (const auto& m : f.memory) memory.push_back(to_json(m));
        out["memory"] = std::move(memory);
    }
    return out;
}

}  // namespace irsnap::triage
