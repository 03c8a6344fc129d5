// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: registry value data of every type; the first byte picks the type.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/windows/win_reg_value.hpp"

using namespace irsnap::autoruns_win;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint32_t type = data[0] % 13;
    const std::string_view bytes = irsnap::fuzz::as_text(data + 1, size - 1);
    const RegValue v = decode_reg_value(type, bytes);
    FUZZ_CHECK(!v.type_name.empty());
    FUZZ_CHECK(sanitize_utf8(v.text) == v.text);
    for (const auto& s : v.strings) {
        FUZZ_CHECK(!s.empty() || type != k_reg_multi_sz);
        FUZZ_CHECK(s.find('\0') == std::string::npos);
    }
    if (type == k_reg_binary || type == k_reg_none) {
        FUZZ_CHECK(v.text.size() <= 2 * k_max_hex_bytes && v.text.size() % 2 == 0);
    }
    FUZZ_CHECK(sanitize_utf8(std::string(bytes)) ==
               sanitize_utf8(sanitize_utf8(std::string(bytes))));
    return 0;
}
