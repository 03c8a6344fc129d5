// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: custody.jsonl text as verify reads it from a bundle it must not trust.
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/hash.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    irsnap::init_crypto();
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    const auto manifest = nlohmann::json::parse(
        // The manifest event of tests/unit/test_custody.cpp, so the seed log checks clean.
        R"({"custody":[{"action":"collected","by":"A. Analyst","host":"web01",)"
        R"("note":"bundle created by irsnap collect","previous_event_sha256":null,)"
        R"("sequence":1,"time":"2026-11-22T01:15:02.123456Z"}]})");
    const irsnap::CustodyAnchor anchor = irsnap::custody_anchor(manifest, std::string(64, 'a'));
    const irsnap::CustodyCheck check = irsnap::check_custody_log(text, anchor);
    // Every problem names a line of the log, and no more lines are counted than the text has.
    for (const auto& p : check.problems) FUZZ_CHECK(p.path.rfind("custody.jsonl line ", 0) == 0);
    FUZZ_CHECK(check.events <= size);
    // A log that checks clean stays clean with one more event appended by irsnap.
    if (check.ok()) {
        irsnap::CustodyEventInput in;
        in.event = "examined";
        in.by = "fuzz";
        const std::string next = std::string(text) + irsnap::make_custody_line(in, anchor, check);
        FUZZ_CHECK(irsnap::check_custody_log(next, anchor).ok());
    }
    return 0;
}
