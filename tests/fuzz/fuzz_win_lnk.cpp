// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: shell link (.lnk) parsing; every offset in the file is attacker-chosen.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/windows/win_lnk.hpp"
#include "irsnap/windows/win_reg_value.hpp"

using namespace irsnap::autoruns_win;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto link = parse_shell_link(irsnap::fuzz::as_text(data, size));
    if (!link) return 0;
    FUZZ_CHECK(size >= 0x4C);
    for (const std::string* s : {&link->target, &link->env_target, &link->arguments,
                                 &link->working_dir, &link->relative_path, &link->name}) {
        FUZZ_CHECK(sanitize_utf8(*s) == *s);
        FUZZ_CHECK(s->size() <= 4 * size);
    }
    return 0;
}
