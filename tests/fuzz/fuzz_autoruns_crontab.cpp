// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: crontab (user and system forms) and anacrontab parsers on the same input.
#include <algorithm>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

using namespace irsnap::autoruns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (bool system : {false, true}) {
        auto t = parse_crontab(text, system);
        for (const auto& e : t.entries) {
            FUZZ_CHECK(e.line >= 1 && e.line <= lines);
            FUZZ_CHECK(!e.command.empty() && !e.schedule.empty());
            FUZZ_CHECK(e.command.find('\n') == std::string::npos);
            FUZZ_CHECK(system == !e.user.empty());
        }
    }
    for (const auto& e : parse_anacrontab(text).entries) {
        FUZZ_CHECK(e.line >= 1 && e.line <= lines);
        FUZZ_CHECK(!e.delay.empty() && !e.job_id.empty() && !e.command.empty());
    }
    return 0;
}
