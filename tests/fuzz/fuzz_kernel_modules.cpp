// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/modules, modules.dep and the taint mask. The first byte picks the
// parser so one corpus drives all three.
#include "fuzz_common.hpp"
#include "irsnap/linux/proc_modules.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text = irsnap::fuzz::as_text(data + 1, size - 1);
    size_t malformed = ~size_t{0};
    switch (data[0] % 3) {
        case 0: {
            const auto modules = parse_proc_modules(text, &malformed);
            FUZZ_CHECK(malformed != ~size_t{0});
            for (const auto& m : modules) {
                FUZZ_CHECK(!m.name.empty() && m.name.find(' ') == std::string::npos);
                FUZZ_CHECK(!m.state.empty());
                if (m.address) FUZZ_CHECK(m.address->rfind("0x", 0) == 0);
                for (const auto& user : m.used_by) {
                    FUZZ_CHECK(!user.empty() && user.find(',') == std::string::npos);
                }
            }
            break;
        }
        case 1: {
            const auto dep = parse_modules_dep(text, &malformed);
            FUZZ_CHECK(malformed != ~size_t{0});
            for (const auto& [name, path] : dep) {
                FUZZ_CHECK(!name.empty() && name.find('-') == std::string::npos);
                FUZZ_CHECK(path.find(".ko") != std::string::npos);
                FUZZ_CHECK(path.find(':') == std::string::npos);
            }
            break;
        }
        default: {
            if (auto mask = parse_proc_sys_kernel_tainted(text)) {
                uint64_t rebuilt = 0;
                for (const auto& f : decode_kernel_taint(*mask)) rebuilt |= uint64_t{1} << f.bit;
                FUZZ_CHECK(rebuilt == *mask);
            }
            break;
        }
    }
    return 0;
}
