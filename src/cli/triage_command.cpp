// SPDX-License-Identifier: Apache-2.0
// `irsnap triage BUNDLE`: the analyst's first look. Verifies the bundle, runs every rule,
// prints findings by urgency (or JSON), and `--list-rules` says what each rule looks for.
#include <iostream>

#include <fmt/format.h>

#include "irsnap/triage.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {
namespace {

using nlohmann::json;
namespace tr = irsnap::triage;

constexpr size_t k_evidence_shown = 5;

int list_rules(bool as_json) {
    if (as_json) {
        json out = json::array();
        for (const auto& r : tr::rules()) {
            out.push_back({{"id", r.id},
                           {"title", r.title},
                           {"urgency", tr::to_string(r.urgency)},
                           {"confidence", tr::to_string(r.confidence)},
                           {"attack", r.attack.empty() ? json(nullptr) : json(r.attack)},
                           {"collectors", r.collectors},
                           {"rationale", r.rationale}});
        }
        std::cout << dump_for_terminal(out, 2) << "\n";
        return to_int(ExitCode::ok);
    }
    for (const auto& r : tr::rules()) {
        print_safe("{}  {}\n    urgency {}, confidence {}, ATT&CK {}, reads {}\n    {}\n\n", r.id,
                   r.title, tr::to_string(r.urgency), tr::to_string(r.confidence),
                   r.attack.empty() ? "-" : r.attack, r.collectors, r.rationale);
    }
    return to_int(ExitCode::ok);
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

void print_text(const BundleSummary& b, const tr::BundleTriage& t,
                const std::vector<tr::Finding>& findings) {
    const size_t bad_lines = t.bad_lines;
    print_safe("irsnap triage {}\n", b.name);
    print_safe("  host {}, collected {}, run status {}\n", b.host.empty() ? "?" : b.host,
               b.collected.empty() ? "unknown" : b.collected,
               b.status.empty() ? "unknown" : b.status);
    print_safe("  integrity: {}\n", b.verified ? "verified (every digest matches the manifest)"
                                               : "NOT VERIFIED: " + b.verify_note);
    std::string counts;
    for (const auto& [collector, records] : t.records) {
        counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", collector, records);
    }
    print_safe("  read: {}{}\n", counts.empty() ? "nothing" : counts,
               bad_lines ? fmt::format(" ({} lines not JSON, skipped)", bad_lines) : "");
    if (b.oversized_lines > 0) {
        print_safe("  ERROR: {} line{} over the {} MiB record limit, skipped unread:\n",
                   b.oversized_lines, b.oversized_lines == 1 ? "" : "s", k_max_line_bytes >> 20);
        for (const auto& e : b.line_errors) print_safe("    {}\n", e);
    }
    size_t by_urgency[4] = {};
    for (const auto& f : findings) ++by_urgency[static_cast<int>(f.urgency)];
    print_safe("  {} finding{}: {} critical, {} high, {} medium, {} low ({} rules)\n\n",
               findings.size(), findings.size() == 1 ? "" : "s", by_urgency[0], by_urgency[1],
               by_urgency[2], by_urgency[3], tr::rules().size());
    for (const auto& f : findings) {
        print_safe("{:<8} {:<6} {}  {}{}\n", upper(tr::to_string(f.urgency)),
                   tr::to_string(f.confidence), f.rule_id, f.title,
                   f.attack.empty() ? "" : "  [" + f.attack + "]");
        print_safe("    {}\n", f.why);
        // A screen, not a report: the rest is in --json.
        for (size_t i = 0; i < f.evidence.size() && i < k_evidence_shown; ++i) {
            const auto& e = f.evidence[i];
            print_safe("    evidence: {}:{}  {}\n", e.artifact, e.line,
                       e.fields.dump(-1, ' ', false, json::error_handler_t::replace));
        }
        if (f.evidence.size() > k_evidence_shown) {
            print_safe("    ... and {} more evidence records (--json lists them all)\n",
                       f.evidence.size() - k_evidence_shown);
        }
        for (const auto& s : f.specimens) print_safe("    specimen: {}\n", tr::specimen_text(s));
        for (const auto& m : f.memory) print_safe("    memory: {}\n", tr::memory_text(m));
    }
}

}  // namespace

int run_triage(const Invocation& inv) {
    return guarded([&] {
        std::string bundle;
        int recent_days = 7;
        std::string min_urgency = "low";
        po::options_description desc(
            "irsnap triage BUNDLE: findings with urgency, confidence and evidence\n\n"
            "Usage: irsnap triage BUNDLE_DIR|BUNDLE.tar|BUNDLE.tar.age [-i KEYFILE] [--json] "
            "[--urgency LEVEL]\n"
            "       irsnap triage --list-rules [--json]\n"
            "The bundle is verified first; findings are still shown when it does not verify "
            "(exit 5).\n\nOptions");
        desc.add_options()("help,h", "show this help")("json", "print findings as JSON")(
            "list-rules", "list the rules: id, urgency, confidence, ATT&CK, rationale")(
            "urgency", po::value(&min_urgency),
            "show findings of this urgency and above: critical, high, medium, low (default)")(
            "recent-days", number_value(&recent_days, "recent-days", 0, 3650),
            "autoruns changed this many days before collection are findings (default 7)");
        std::vector<std::string> identities;
        add_identity_option(desc, &identities);
        po::options_description all;
        all.add(desc).add_options()("bundle", po::value(&bundle));
        po::positional_options_description pos;
        pos.add("bundle", 1);
        po::variables_map vm;
        parse_args("triage", inv.args, all, &pos, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("triage");
            return to_int(ExitCode::ok);
        }
        load_identities(identities);
        const bool as_json = vm.count("json") > 0;
        if (vm.count("list-rules")) {
            if (!bundle.empty()) {
                throw UsageError(fmt::format(
                    "unexpected argument '{}': --list-rules reads no bundle (see 'irsnap "
                    "triage --help')",
                    bundle));
            }
            return list_rules(as_json);
        }
        if (bundle.empty()) throw UsageError("triage needs a bundle directory or tar file");
        int threshold = -1;
        for (int u = 0; u < 4; ++u) {
            if (tr::to_string(static_cast<tr::Urgency>(u)) == min_urgency) threshold = u;
        }
        if (threshold < 0) throw UsageError("--urgency must be critical, high, medium or low");

        tr::BundleTriage result = tr::triage_bundle(bundle, recent_days);
        const BundleSummary& summary = result.summary;
        const size_t bad_lines = result.bad_lines;
        if (!summary.error.empty()) throw UsageError("cannot read bundle " + summary.error);
        std::vector<tr::Finding> findings = std::move(result.findings);
        std::erase_if(findings, [&](const tr::Finding& f) {
            return static_cast<int>(f.urgency) > threshold;
        });

        if (as_json) {
            json list = json::array();
            for (const auto& f : findings) list.push_back(tr::to_json(f));
            json out = {{"bundle",
                         {{"name", summary.name},
                          {"source", summary.source},
                          {"host", summary.host},
                          {"collected", summary.collected},
                          {"run_status", summary.status},
                          {"verified", summary.verified},
                          {"verify_note", summary.verify_note},
                          {"record_count_mismatches", record_mismatches_json(summary)}}},
                        {"rules_run", tr::rules().size()},
                        {"lines_skipped", bad_lines},
                        {"lines_oversized", summary.oversized_lines},
                        {"line_errors", summary.line_errors},
                        {"findings", std::move(list)}};
            std::cout << dump_for_terminal(out, 2) << "\n";
        } else {
            warn_record_counts(summary);
            print_text(summary, result, findings);
        }
        std::cout.flush();
        if (!std::cout) return to_int(ExitCode::output_unusable);
        return summary.verified ? to_int(ExitCode::ok) : to_int(ExitCode::verify_failed);
    });
}

}  // namespace irsnap::cli
