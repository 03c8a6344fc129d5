// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the triage rules over records of a bundle nobody vouches for. Each input
// line is "<collector letter><JSON>"; a rule must neither crash nor throw on any value of any
// type, and every finding must point at a record it was given.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/triage.hpp"

namespace {

constexpr const char* k_collectors[] = {"processes",  "network",        "modules",
                                        "autoruns",   "kernel_modules", "hidden_processes",
                                        "interfaces", "routes",         "neighbors"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace irsnap::triage;
    std::string_view text = irsnap::fuzz::as_text(data, size);
    Input in;
    in.collected_unix_ns = parse_utc_ns("2026-11-22T00:00:00Z");
    uint64_t line = 0;
    size_t records = 0;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view row = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++line;
        if (row.size() < 2) continue;
        const char* collector = k_collectors[static_cast<unsigned char>(row[0]) % 9];
        auto value = nlohmann::json::parse(row.substr(1), nullptr, false);
        if (!value.is_object()) continue;
        in.records[collector].push_back({"artifacts/x.jsonl", line, std::move(value)});
        ++records;
    }
    for (const auto& finding : run_rules(in)) {
        FUZZ_CHECK(!finding.rule_id.empty());
        for (const auto& e : finding.evidence) FUZZ_CHECK(e.line >= 1 && e.line <= line);
        // The JSON report must be printable: strings from the bundle may hold any bytes.
        (void)to_json(finding).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    FUZZ_CHECK(records <= line);
    return 0;
}
