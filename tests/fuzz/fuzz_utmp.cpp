// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: utmp records read as bytes (x86-64 glibc layout).
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/utmp.hpp"

using namespace irsnap::utmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = irsnap::fuzz::as_text(data, size);
    size_t trailing = ~size_t{0};
    const auto entries = parse_utmp(bytes, &trailing);
    FUZZ_CHECK(entries.size() == size / k_record_size);
    FUZZ_CHECK(trailing == size % k_record_size);
    for (const auto& e : entries) {
        // Fixed-size C strings: never longer than the field, never holding a NUL.
        FUZZ_CHECK(e.line.size() <= 32 && e.line.find('\0') == std::string::npos);
        FUZZ_CHECK(e.id.size() <= 4 && e.id.find('\0') == std::string::npos);
        FUZZ_CHECK(e.user.size() <= 32 && e.user.find('\0') == std::string::npos);
        FUZZ_CHECK(e.host.size() <= 256 && e.host.find('\0') == std::string::npos);
        FUZZ_CHECK(e.type >= -32768 && e.type <= 32767);
        FUZZ_CHECK(e.tv_sec >= 0 && e.tv_sec <= 0xffffffffll);
        FUZZ_CHECK(e.address.size() <= 45);  // INET6_ADDRSTRLEN - 1
        FUZZ_CHECK(!type_name(e.type).empty());
    }
    return 0;
}
