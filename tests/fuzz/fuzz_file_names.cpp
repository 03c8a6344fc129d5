// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the files collector's name handling. Directory entries on the host are
// attacker-chosen bytes: the table's glob must stay linear and exact, and archive member names
// must be printable ASCII that decode back to the name. The text before the first newline is the
// pattern, the rest the name.
#include <string>

#include "files/files.hpp"
#include "fuzz_common.hpp"

using irsnap::collectors::glob_match;
using irsnap::collectors::member_name_for;

namespace {

/// The %XX decoding member_name_for promises to be reversible by.
std::string decode(const std::string& member) {
    std::string out;
    for (size_t i = 0; i < member.size(); ++i) {
        if (member[i] == '%' && i + 2 < member.size()) {
            out.push_back(static_cast<char>(std::stoi(member.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(member[i]);
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    const auto newline = text.find('\n');
    const std::string_view pattern =
        newline == std::string_view::npos ? "*" : text.substr(0, newline);
    const std::string_view name =
        newline == std::string_view::npos ? text : text.substr(newline + 1);
    const bool matched = glob_match(pattern, name);
    if (pattern.find_first_of("*?") == std::string_view::npos) {
        FUZZ_CHECK(matched == (pattern == name));
    }
    if (pattern == "*") FUZZ_CHECK(matched);
    const std::string member = member_name_for(name);
    for (unsigned char c : member) FUZZ_CHECK(c >= 0x20 && c < 0x7f && c != '\\');
    FUZZ_CHECK(decode(member) == name);
    return 0;
}
