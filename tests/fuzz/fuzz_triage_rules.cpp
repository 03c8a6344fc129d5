// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the triage rules over records of a bundle nobody vouches for. Each input
// line is "<collector letter><JSON>"; a rule must neither crash nor throw on any value of any
// type, and every finding must point at a record it was given.
#include <algorithm>
#include <iterator>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/bundle_reader.hpp"
#include "irsnap/triage.hpp"
#include "irsnap/untrusted_json.hpp"

namespace {

// "activity" last: a line starting with k (107 % 12) is an observation window's record.
constexpr const char* k_collectors[] = {
    "processes",  "network", "modules",   "autoruns", "kernel_modules", "hidden_processes",
    "interfaces", "routes",  "neighbors", "samples",  "memory",         "activity"};

}  // namespace

/// Small, so a seed of a few hundred KiB exercises the oversized-line path the 16 MiB cap
/// guards in real bundles (fuzz.sh runs this target with inputs up to 4 KiB).
constexpr size_t k_fuzz_line_cap = 1024;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace irsnap::triage;
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    Input in;
    in.collected_unix_ns = parse_utc_ns("2026-11-22T00:00:00Z");
    uint64_t lines = 0;
    size_t records = 0;
    uint64_t oversized = 0;
    // Lines reach the rules as in a bundle: through the reader's splitter and the untrusted
    // parser (depth-capped, nothing after the document).
    irsnap::LineSplitter splitter(
        [&](const irsnap::BundleLine& line) {
            lines = line.line;
            if (line.text.size() < 2) return;
            const char* collector =
                k_collectors[static_cast<unsigned char>(line.text[0]) % std::size(k_collectors)];
            auto value = irsnap::parse_untrusted_json(line.text.substr(1));
            if (!value.is_object()) return;
            in.records[collector].push_back({"artifacts/x.jsonl", line.line, std::move(value)});
            ++records;
        },
        [&](std::string_view, uint64_t line, uint64_t bytes) {
            FUZZ_CHECK(bytes > k_fuzz_line_cap);
            lines = line;
            ++oversized;
        },
        k_fuzz_line_cap);
    splitter.start("artifacts/x.jsonl", "x");
    // In two pieces, as reads deliver a file.
    splitter.feed(text.substr(0, text.size() / 2));
    splitter.feed(text.substr(text.size() / 2));
    splitter.finish();
    const uint64_t line = std::count(text.begin(), text.end(), '\n') + 1;
    FUZZ_CHECK(lines <= line);
    // A small cap per rule, so the "N more" path is reached too.
    for (const auto& finding : run_rules(in, 8)) {
        FUZZ_CHECK(!finding.rule_id.empty());
        for (const auto& e : finding.evidence) FUZZ_CHECK(e.line >= 1 && e.line <= line);
        FUZZ_CHECK(finding.why.size() <= k_max_why_bytes);
        // The JSON report must be printable: strings from the bundle may hold any bytes.
        (void)to_json(finding).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        FUZZ_CHECK(finding.specimens.size() <= k_max_specimens_per_finding);
        FUZZ_CHECK(finding.memory.size() <= k_max_memory_per_finding);
    }
    FUZZ_CHECK(records + oversized <= line);
    return 0;
}
