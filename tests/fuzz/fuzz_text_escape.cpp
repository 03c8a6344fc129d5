// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: irsnap/text.hpp. Traps when
//   - escape_bytes changes valid UTF-8 or reports it as escaped,
//   - unescape_bytes(escape_bytes(x)) != x for an escaped x,
//   - the escaped text is not itself valid UTF-8,
//   - is_valid_utf8 disagrees with an independent table-driven validator (Unicode 15, Table 3-7),
//   - terminal_safe leaves a byte a terminal acts on (C0, DEL, C1, bidi), is not valid UTF-8, or
//     changes its own output.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/text.hpp"

namespace {

/// Well-formed UTF-8 byte sequences as listed in the Unicode Standard, Table 3-7.
bool reference_valid_utf8(std::string_view s) {
    auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
    size_t i = 0;
    const size_t n = s.size();
    auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    while (i < n) {
        const unsigned char b0 = at(i);
        if (b0 <= 0x7F) {
            i += 1;
        } else if (in(b0, 0xC2, 0xDF)) {
            if (i + 1 >= n || !in(at(i + 1), 0x80, 0xBF)) return false;
            i += 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            if (i + 2 >= n) return false;
            const unsigned char b1 = at(i + 1);
            const bool ok1 = b0 == 0xE0   ? in(b1, 0xA0, 0xBF)
                             : b0 == 0xED ? in(b1, 0x80, 0x9F)
                                          : in(b1, 0x80, 0xBF);
            if (!ok1 || !in(at(i + 2), 0x80, 0xBF)) return false;
            i += 3;
        } else if (in(b0, 0xF0, 0xF4)) {
            if (i + 3 >= n) return false;
            const unsigned char b1 = at(i + 1);
            const bool ok1 = b0 == 0xF0   ? in(b1, 0x90, 0xBF)
                             : b0 == 0xF4 ? in(b1, 0x80, 0x8F)
                                          : in(b1, 0x80, 0xBF);
            if (!ok1 || !in(at(i + 2), 0x80, 0xBF) || !in(at(i + 3), 0x80, 0xBF)) return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

/// No C0, DEL, C1 (as a byte or as U+0080-U+009F) or bidi/line format character.
bool terminal_inert(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) return false;
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F)
            return false;
        if (c == 0xD8 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x9C)
            return false;
        if (c == 0xE2 && i + 2 < s.size()) {
            const auto b1 = static_cast<unsigned char>(s[i + 1]);
            const auto b2 = static_cast<unsigned char>(s[i + 2]);
            if (b1 == 0x80 && (b2 == 0x8E || b2 == 0x8F || (b2 >= 0xA8 && b2 <= 0xAE)))
                return false;
            if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in = irsnap::fuzz::as_text(data, size);

    const bool valid = irsnap::is_valid_utf8(in);
    FUZZ_CHECK(valid == reference_valid_utf8(in));

    bool escaped = valid;  // the wrong answer: escape_bytes must overwrite it
    const std::string out = irsnap::escape_bytes(in, escaped);
    FUZZ_CHECK(escaped == !valid);
    if (!escaped) {
        FUZZ_CHECK(out == in);
    } else {
        FUZZ_CHECK(irsnap::unescape_bytes(out) == in);
    }
    FUZZ_CHECK(irsnap::is_valid_utf8(out));

    const std::string shown = irsnap::terminal_safe(in);
    FUZZ_CHECK(terminal_inert(shown));
    FUZZ_CHECK(irsnap::is_valid_utf8(shown));
    FUZZ_CHECK(irsnap::terminal_safe(shown) == shown);

    // unescape_bytes on arbitrary text never grows it, and to_hex doubles the length.
    FUZZ_CHECK(irsnap::unescape_bytes(in).size() <= in.size());
    FUZZ_CHECK(irsnap::to_hex(data, size).size() == 2 * size);
    return 0;
}
