// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the shell-line reader of the persistence rules (shell_commands), over raw
// text rather than through a record's JSON as fuzz_triage_rules reaches it.
#include <algorithm>
#include <string>

#include "analysis/rules.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace irsnap::triage;
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    const auto commands = shell_commands(text);
    FUZZ_CHECK(commands.size() <= k_max_shell_commands);
    size_t bytes = 0;
    for (size_t i = 0; i < commands.size(); ++i) {
        const ShellCommand& c = commands[i];
        FUZZ_CHECK(c.program <= c.words.size());
        FUZZ_CHECK(c.pipeline <= i);
        FUZZ_CHECK(c.program < c.words.size() || c.name.empty());
        for (const auto& w : c.words) bytes += w.size();
        for (const auto& r : c.redirects) bytes += r.size();
    }
    // Words are pieces of the line (sh -c strings are read again, three levels deep at most),
    // plus the few bytes a substitution marks a redirection's target with.
    FUZZ_CHECK(bytes <= 4 * (std::min(text.size(), k_max_shell_line_bytes) + 2 * commands.size()));
    return 0;
}
