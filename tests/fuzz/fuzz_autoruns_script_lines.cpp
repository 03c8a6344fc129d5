// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the code lines of a shell script (script_lines), under the default caps and
// under tiny ones, so the cut and the line limit are reached by short inputs too.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

using namespace irsnap::autoruns;

namespace {

void check(std::string_view text, size_t max_lines, size_t max_line_bytes) {
    const ScriptLines s = parse_script_lines(text, max_lines, max_line_bytes);
    FUZZ_CHECK(s.lines.size() <= max_lines);
    FUZZ_CHECK(!s.binary || (s.lines.empty() && s.binary_from == 0));
    size_t previous = 0;
    for (const auto& l : s.lines) {
        FUZZ_CHECK(l.line > previous);  // in file order, one entry per logical line
        previous = l.line;
        FUZZ_CHECK(!l.text.empty() && l.text.size() <= max_line_bytes);
        FUZZ_CHECK(l.text.front() != '#' && l.text.find('\0') == std::string::npos);
        FUZZ_CHECK(l.text.front() != ' ' && l.text.back() != ' ');
    }
    FUZZ_CHECK(s.binary_from == 0 || s.binary_from > previous);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    check(text, k_max_script_lines, k_max_script_line_bytes);
    check(text, 3, 8);
    check(text, 0, 0);
    return 0;
}
