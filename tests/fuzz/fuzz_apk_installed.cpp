// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: Alpine's /lib/apk/db/installed (P:/V:/A: package lines, F: directories,
// R: files, Z:Q1 SHA-1 checksums, a: ACLs, blank lines between packages).
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/package_files.hpp"

using namespace irsnap::packages;

namespace {

bool is_lower_hex(std::string_view s, size_t n) {
    if (s.size() != n) return false;
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

bool one_line(std::string_view s) {
    return s.find('\n') == std::string_view::npos;
}

size_t non_empty_line_count(std::string_view text) {
    size_t n = 0;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        n += end > start ? 1 : 0;
        start = end + 1;
    }
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    size_t malformed = ~size_t{0};
    const auto pkgs = parse_apk_installed(text, &malformed);
    size_t files = 0;
    for (const auto& p : pkgs) {
        FUZZ_CHECK(!p.name.empty() && one_line(p.name));
        FUZZ_CHECK(one_line(p.version) && one_line(p.architecture));
        for (const auto& f : p.files) {
            FUZZ_CHECK(f.path.size() >= 2 && f.path.front() == '/' && one_line(f.path));
            // An R: names a file in its F: directory, never a path of its own.
            FUZZ_CHECK(f.path.back() != '/');
            // SHA-1 as hex (apk-tools 2's Q1 checksums), or nothing.
            FUZZ_CHECK(f.digest.empty() || is_lower_hex(f.digest, 40));
        }
        files += p.files.size();
    }
    // Every file is an R: line and every package has its P: line; a line can be malformed, and
    // so can the paragraph it starts when no P: follows (":" alone counts twice).
    const size_t lines = non_empty_line_count(text);
    FUZZ_CHECK(files <= lines);
    FUZZ_CHECK(pkgs.size() <= lines);
    FUZZ_CHECK(malformed <= 2 * lines);
    return 0;
}
