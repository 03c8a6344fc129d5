// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: dpkg's status, diversions, info/*.md5sums and info/*.list files. The first
// byte picks the parser (mod 4: status, diversions, md5sums, list), the rest is the file; one
// target for the four keeps their seeds together, as the files sit together in /var/lib/dpkg.
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

/// Lines as the parsers see them: split at '\n', a final '\n' ends the last line and starts none.
size_t line_count(std::string_view text) {
    size_t n = 0;
    for (char c : text) n += c == '\n' ? 1 : 0;
    return n + (!text.empty() && text.back() != '\n' ? 1 : 0);
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

/// The last line (as line_count counts them), or "" when there is none.
std::string_view last_line(std::string_view text) {
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    const size_t nl = text.rfind('\n');
    return nl == std::string_view::npos ? text : text.substr(nl + 1);
}

void check_status(std::string_view text) {
    size_t malformed = ~size_t{0};
    const auto pkgs = parse_dpkg_status(text, &malformed);
    // A package or a malformed paragraph each take at least one line.
    FUZZ_CHECK(pkgs.size() + malformed <= line_count(text));
    for (const auto& p : pkgs) {
        FUZZ_CHECK(!p.name.empty() && one_line(p.name));
        FUZZ_CHECK(one_line(p.version) && one_line(p.architecture) && one_line(p.status));
        for (const auto& c : p.conffiles) {
            FUZZ_CHECK(!c.path.empty() && c.path.front() == '/' && one_line(c.path));
            FUZZ_CHECK(c.md5.empty() || is_lower_hex(c.md5, 32));
        }
    }
}

void check_diversions(std::string_view text) {
    size_t malformed = ~size_t{0};
    const auto d = parse_dpkg_diversions(text, &malformed);
    // Exactly one diversion per complete group of three lines; what is left over (one or two
    // lines) is a short group, except a single empty line (a blank line after the last group).
    const size_t lines = line_count(text);
    FUZZ_CHECK(d.size() == lines / 3);
    const size_t rest = lines % 3;
    const bool short_group = rest != 0 && !(rest == 1 && last_line(text).empty());
    FUZZ_CHECK(malformed == (short_group ? 1u : 0u));
    for (const auto& x : d) {
        FUZZ_CHECK(one_line(x.from) && one_line(x.to) && one_line(x.package));
        FUZZ_CHECK(x.package != ":");  // ":" is a local diversion, reported as ""
    }
}

void check_md5sums(std::string_view text) {
    size_t calls = 0;
    const size_t bad = for_each_dpkg_md5sum(text, [&](std::string_view path, std::string_view md5) {
        ++calls;
        FUZZ_CHECK(is_lower_hex(md5, 32));
        FUZZ_CHECK(path.size() >= 2 && path.front() == '/' && path[1] != '/');
        FUZZ_CHECK(one_line(path));
    });
    // Every non-empty line is either a file or a malformed line; empty lines are neither.
    FUZZ_CHECK(calls + bad == non_empty_line_count(text));
}

void check_list(std::string_view text) {
    size_t calls = 0;
    const size_t bad = for_each_dpkg_list_path(text, [&](std::string_view path) {
        ++calls;
        FUZZ_CHECK(!path.empty() && path.front() == '/' && one_line(path));
        FUZZ_CHECK(path != "/" && path != "/.");
    });
    // "/" and "/." are skipped without being counted as malformed.
    FUZZ_CHECK(calls + bad <= non_empty_line_count(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text = irsnap::fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 4) {
        case 0:
            check_status(text);
            break;
        case 1:
            check_diversions(text);
            break;
        case 2:
            check_md5sums(text);
            break;
        default:
            check_list(text);
            break;
    }
    return 0;
}
