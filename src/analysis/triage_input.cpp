// SPDX-License-Identifier: Apache-2.0
// Triaging a bundle: its records stream from the reader through the rules, one at a time.
// Apart from triage.cpp so the rules and their runner link without the bundle reader (the
// fuzz target feeds them records directly).
#include <set>

#include "irsnap/triage.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::triage {

BundleTriage triage_bundle(const std::filesystem::path& bundle, int recent_days) {
    BundleTriage out;
    Runner runner;
    const auto names = needed_collectors();
    const std::set<std::string> wanted(names.begin(), names.end());
    Record record;  // reused: its artifact string is copied once per artifact, not per line
    out.summary = read_bundle(bundle, wanted, [&](const BundleLine& line) {
        record.value = parse_untrusted_json(line.text);
        if (!record.value.is_object()) {
            ++out.bad_lines;
            return;
        }
        if (record.artifact != line.artifact) record.artifact = line.artifact;
        record.line = line.line;
        runner.add(line.collector, record);
    });
    record.value = nullptr;
    out.records = runner.counts();
    out.findings = runner.finish(Context{out.summary.collected_unix_ns, recent_days});
    return out;
}

}  // namespace irsnap::triage
