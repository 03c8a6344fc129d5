// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /etc/passwd and /etc/group text parsers on the same input.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/users.hpp"

using namespace irsnap::users;

namespace {
bool clean_field(const std::string& s) {
    return s.find(':') == std::string::npos && s.find('\n') == std::string::npos;
}
bool skipped_lead(char c) {
    return c == '#' || c == '+' || c == '-';
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);

    for (const auto& e : parse_etc_passwd(text)) {
        FUZZ_CHECK(!e.name.empty() && !skipped_lead(e.name[0]));
        FUZZ_CHECK(e.uid >= 0 && e.gid >= 0);
        FUZZ_CHECK(clean_field(e.name) && clean_field(e.gecos) && clean_field(e.home) &&
                   clean_field(e.shell));
        // CRLF files: the '\r' is stripped from the last field.
        FUZZ_CHECK(e.shell.empty() || e.shell.back() != '\r' || text.find("\r\r") != text.npos);
    }
    for (const auto& g : parse_etc_group(text)) {
        FUZZ_CHECK(!g.name.empty() && !skipped_lead(g.name[0]));
        FUZZ_CHECK(g.gid >= 0);
        FUZZ_CHECK(clean_field(g.name));
        for (const auto& m : g.members) {
            FUZZ_CHECK(!m.empty() && clean_field(m) && m.find(',') == std::string::npos);
        }
    }
    return 0;
}
