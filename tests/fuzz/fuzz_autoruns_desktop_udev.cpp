// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: XDG desktop entries and udev rules on the same input.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

using namespace irsnap::autoruns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    auto entry = parse_desktop_entry(text);
    FUZZ_CHECK(entry.keys.size() == entry.lines.size());
    for (const auto& [key, value] : entry.keys) {
        FUZZ_CHECK(!key.empty() && value.find('\n') == std::string::npos);
        FUZZ_CHECK(entry.lines.count(key) == 1);
    }
    for (const auto& rule : parse_udev_rules(text).rules) {
        FUZZ_CHECK(!rule.pairs.empty() && rule.line >= 1);
        for (const auto& p : rule.pairs) {
            FUZZ_CHECK(!p.key.empty());
            FUZZ_CHECK(p.op == "==" || p.op == "!=" || p.op == "=" || p.op == "+=" ||
                       p.op == "-=" || p.op == ":=");
        }
    }
    return 0;
}
