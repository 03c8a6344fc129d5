// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: systemd unit files (sections, continuations, comments) and Exec prefixes.
#include <algorithm>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

using namespace irsnap::autoruns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    size_t last_line = 0;
    for (const auto& d : parse_systemd_unit(text).directives) {
        FUZZ_CHECK(d.line >= 1 && d.line <= lines && d.line > last_line);
        last_line = d.line;
        FUZZ_CHECK(!d.key.empty() && d.key.find('=') == std::string::npos);
        FUZZ_CHECK(d.value.find('\n') == std::string::npos);
        std::string_view stripped = strip_exec_prefixes(d.value);
        FUZZ_CHECK(stripped.size() <= d.value.size());
        (void)command_program(stripped);
    }
    return 0;
}
