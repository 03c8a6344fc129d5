// SPDX-License-Identifier: Apache-2.0
// Done by hand rather than with WideCharToMultiByte so the conversion is the same pure function
// under every code page, and unit-testable.
#include "irsnap/windows/win_text.hpp"

#include <cstdint>

#include "irsnap/text.hpp"

namespace irsnap::win {
namespace {

bool high(uint32_t u) {
    return u >= 0xD800 && u <= 0xDBFF;
}
bool low(uint32_t u) {
    return u >= 0xDC00 && u <= 0xDFFF;
}

}  // namespace

std::string to_utf8(std::wstring_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        uint32_t u = static_cast<uint16_t>(text[i]);
        if (high(u) && i + 1 < text.size() && low(static_cast<uint16_t>(text[i + 1]))) {
            uint32_t l = static_cast<uint16_t>(text[++i]);
            append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00));
        } else if (high(u) || low(u)) {
            append_utf8(out, 0xFFFD);
        } else {
            append_utf8(out, u);
        }
    }
    return out;
}

bool utf16_has_unpaired_surrogate(std::wstring_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        uint32_t u = static_cast<uint16_t>(text[i]);
        if (high(u) && i + 1 < text.size() && low(static_cast<uint16_t>(text[i + 1]))) {
            ++i;
        } else if (high(u) || low(u)) {
            return true;
        }
    }
    return false;
}

std::wstring to_wide(std::string_view text) {
    std::wstring out;
    out.reserve(text.size());
    size_t i = 0;
    auto bad = [&] {
        out.push_back(static_cast<wchar_t>(0xFFFD));
        ++i;
    };
    while (i < text.size()) {
        const auto b = static_cast<uint8_t>(text[i]);
        const int extra = b < 0x80             ? 0
                          : (b & 0xE0) == 0xC0 ? 1
                          : (b & 0xF0) == 0xE0 ? 2
                          : (b & 0xF8) == 0xF0 ? 3
                                               : -1;
        if (extra < 0) {
            bad();
            continue;
        }
        uint32_t cp = extra == 0 ? b : (b & (0x3F >> extra));
        bool ok = true;
        for (int k = 1; k <= extra; ++k) {
            if (i + k >= text.size()) {
                ok = false;
                break;
            }
            const auto c = static_cast<uint8_t>(text[i + k]);
            if ((c & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        if (!ok || cp < min[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            bad();
            continue;
        }
        i += static_cast<size_t>(extra) + 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(static_cast<wchar_t>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<wchar_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<wchar_t>(cp));
        }
    }
    return out;
}

}  // namespace irsnap::win
