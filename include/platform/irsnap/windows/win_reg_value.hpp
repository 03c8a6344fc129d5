// SPDX-License-Identifier: Apache-2.0
// Registry value data as raw bytes (what RegEnumValueW / RegQueryValueExW return) turned into
// text. Pure and platform-independent: the data is whatever the key's writer put there, so odd
// lengths, missing or extra NUL terminators and sizes that do not match the type are expected,
// decoded as far as they go and noted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/text.hpp"

namespace irsnap::autoruns_win {

// The REG_* type numbers (winnt.h), so this file needs no windows.h.
constexpr uint32_t k_reg_none = 0;
constexpr uint32_t k_reg_sz = 1;
constexpr uint32_t k_reg_expand_sz = 2;
constexpr uint32_t k_reg_binary = 3;
constexpr uint32_t k_reg_dword = 4;
constexpr uint32_t k_reg_dword_big_endian = 5;
constexpr uint32_t k_reg_link = 6;
constexpr uint32_t k_reg_multi_sz = 7;
constexpr uint32_t k_reg_qword = 11;

/// Binary data longer than this is shown as hex up to here and noted as truncated.
constexpr size_t k_max_hex_bytes = 4096;

/// "REG_SZ", "REG_EXPAND_SZ" ...; unknown types as "REG_0x<hex>".
std::string reg_type_name(uint32_t type);

/// UTF-16 code units (little- or big-endian bytes) to UTF-8. Unpaired surrogates become U+FFFD;
/// a trailing odd byte is ignored. Stops at nothing: NULs are kept (callers split on them).
std::string utf16_to_utf8(std::string_view bytes, bool big_endian = false);

/// `bytes` as valid UTF-8: each invalid sequence becomes U+FFFD (records must be valid JSON).
std::string sanitize_utf8(std::string_view bytes);

/// Lower-case hex of the bytes, no separators.
std::string hex_of(std::string_view bytes);

struct RegValue {
    std::string type_name;
    /// The data as one text: strings as they are (REG_MULTI_SZ joined with a space), numbers in
    /// decimal, anything else as hex.
    std::string text;
    /// REG_SZ / REG_EXPAND_SZ: the one string; REG_MULTI_SZ: each string (empty ones dropped).
    std::vector<std::string> strings;
    std::optional<uint64_t> number;  ///< REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_QWORD
    /// What was odd about the data (odd length, bytes after the terminating NUL, wrong size for
    /// the type, truncated hex); empty when nothing was.
    std::string note;
};

/// Decodes one value. String types stop at the first NUL, as the programs that read them do;
/// what follows it is hidden from them and from regedit, so its size is noted.
RegValue decode_reg_value(uint32_t type, std::string_view data);

}  // namespace irsnap::autoruns_win
