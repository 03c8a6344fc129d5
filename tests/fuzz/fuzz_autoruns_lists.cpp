// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: ld.so.preload, module lists, modprobe hooks, at jobs and command_program.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

using namespace irsnap::autoruns;

namespace {
bool has_separator(const std::string& s) {
    return s.find_first_of(" \t\r\n:") != std::string::npos;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    for (const auto& item : parse_ld_so_preload(text)) {
        FUZZ_CHECK(!item.value.empty() && !has_separator(item.value));
    }
    for (const auto& item : parse_modules_list(text)) {
        FUZZ_CHECK(!item.value.empty() && item.value.find('\n') == std::string::npos);
    }
    for (const auto& hook : parse_modprobe_conf(text).hooks) {
        FUZZ_CHECK(hook.hook == "install" || hook.hook == "remove");
        FUZZ_CHECK(!hook.module.empty() && !hook.command.empty());
    }
    if (auto job = parse_at_job(text)) FUZZ_CHECK(!job->command.empty() && job->line >= 1);
    FUZZ_CHECK(command_program(text).size() <= text.size());
    return 0;
}
