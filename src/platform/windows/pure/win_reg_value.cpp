// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/win_reg_value.hpp"

#include <fmt/format.h>

#include "irsnap/text.hpp"

namespace irsnap::autoruns_win {
namespace {

uint64_t little_endian(std::string_view bytes, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < bytes.size(); ++i) {
        v |= uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
    }
    return v;
}

/// UTF-16 data as code units: even length (an odd last byte is dropped and noted).
std::string_view even_part(std::string_view data, std::string& note) {
    if (data.size() % 2 != 0) {
        note = "odd data length: last byte ignored";
        data.remove_suffix(1);
    }
    return data;
}

void add_note(std::string& note, const std::string& more) {
    note += note.empty() ? more : "; " + more;
}

}  // namespace

std::string reg_type_name(uint32_t type) {
    switch (type) {
        case k_reg_none:
            return "REG_NONE";
        case k_reg_sz:
            return "REG_SZ";
        case k_reg_expand_sz:
            return "REG_EXPAND_SZ";
        case k_reg_binary:
            return "REG_BINARY";
        case k_reg_dword:
            return "REG_DWORD";
        case k_reg_dword_big_endian:
            return "REG_DWORD_BIG_ENDIAN";
        case k_reg_link:
            return "REG_LINK";
        case k_reg_multi_sz:
            return "REG_MULTI_SZ";
        case 8:
            return "REG_RESOURCE_LIST";
        case 9:
            return "REG_FULL_RESOURCE_DESCRIPTOR";
        case 10:
            return "REG_RESOURCE_REQUIREMENTS_LIST";
        case k_reg_qword:
            return "REG_QWORD";
        default:
            return fmt::format("REG_0x{:x}", type);
    }
}

std::string utf16_to_utf8(std::string_view bytes, bool big_endian) {
    std::string out;
    out.reserve(bytes.size() / 2);
    const size_t units = bytes.size() / 2;
    auto unit = [&](size_t i) -> uint32_t {
        const auto a = static_cast<unsigned char>(bytes[2 * i]);
        const auto b = static_cast<unsigned char>(bytes[2 * i + 1]);
        return big_endian ? (uint32_t{a} << 8) | b : (uint32_t{b} << 8) | a;
    };
    for (size_t i = 0; i < units; ++i) {
        const uint32_t u = unit(i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            const uint32_t low = unit(i + 1);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                ++i;
                continue;
            }
        }
        append_utf8(out, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u);
    }
    return out;
}

std::string sanitize_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    size_t i = 0;
    while (i < bytes.size()) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = len > 0 && i + len <= bytes.size();
        for (size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(bytes[i + k]);
            ok = (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are invalid too.
        ok = ok && !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) &&
             !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (ok) {
            out.append(bytes.substr(i, len));
            i += len;
        } else {
            append_utf8(out, 0xFFFD);
            ++i;
        }
    }
    return out;
}

std::string hex_of(std::string_view bytes) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(k_digits[c >> 4]);
        out.push_back(k_digits[c & 0xF]);
    }
    return out;
}

RegValue decode_reg_value(uint32_t type, std::string_view data) {
    RegValue v;
    v.type_name = reg_type_name(type);
    if (type == k_reg_sz || type == k_reg_expand_sz || type == k_reg_link) {
        const std::string_view units = even_part(data, v.note);
        std::string text = utf16_to_utf8(units);
        const size_t nul = text.find('\0');
        if (nul != std::string::npos) {
            // Anything but NULs after the terminator is invisible to the programs that read it.
            const size_t rest = text.find_first_not_of('\0', nul);
            if (rest != std::string::npos) {
                add_note(v.note, fmt::format("{} byte(s) of data after the terminating NUL",
                                             units.size() - 2 * (nul + 1)));
            }
            text.resize(nul);
        }
        v.text = text;
        v.strings.push_back(std::move(text));
        return v;
    }
    if (type == k_reg_multi_sz) {
        const std::string text = utf16_to_utf8(even_part(data, v.note));
        size_t start = 0;
        while (start < text.size()) {
            size_t nul = text.find('\0', start);
            if (nul == std::string::npos) nul = text.size();
            if (nul > start) v.strings.push_back(text.substr(start, nul - start));
            start = nul + 1;
        }
        for (const auto& s : v.strings) v.text += (v.text.empty() ? "" : " ") + s;
        return v;
    }
    const size_t want = type == k_reg_qword ? 8 : 4;
    if ((type == k_reg_dword || type == k_reg_dword_big_endian || type == k_reg_qword) &&
        data.size() >= want) {
        uint64_t n = little_endian(data, want);
        if (type == k_reg_dword_big_endian) {
            n = ((n & 0xFF) << 24) | ((n & 0xFF00) << 8) | ((n >> 8) & 0xFF00) | (n >> 24);
        }
        v.number = n;
        v.text = std::to_string(n);
        if (data.size() > want) {
            add_note(v.note, fmt::format("{} byte(s) for a {}-byte value: extra ignored",
                                         data.size(), want));
        }
        return v;
    }
    if (type == k_reg_dword || type == k_reg_dword_big_endian || type == k_reg_qword) {
        add_note(v.note,
                 fmt::format("{} byte(s) for a {}-byte value: shown as hex", data.size(), want));
    }
    if (data.size() > k_max_hex_bytes) {
        add_note(v.note,
                 fmt::format("{} bytes: hex of the first {} only", data.size(), k_max_hex_bytes));
        data = data.substr(0, k_max_hex_bytes);
    }
    v.text = hex_of(data);
    return v;
}

}  // namespace irsnap::autoruns_win
