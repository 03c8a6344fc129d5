// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: kernel state read at run time (a /dev/kmsg record and its markers, the
// lockdown file, sysctl values) and the programs the kernel runs (a binfmt_misc entry, the
// core_pattern pipe), and tracefs's enabled_functions. The first byte picks the parser so one
// corpus drives all of them.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/ftrace_hooks.hpp"
#include "irsnap/linux/kernel_state.hpp"

using namespace irsnap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 6) {
        case 0: {
            if (auto r = procfs::parse_dev_kmsg_record(text)) {
                FUZZ_CHECK(r->level <= 7);
                FUZZ_CHECK(!r->flag.empty() && r->flag.find(';') == std::string::npos);
                FUZZ_CHECK(r->message.find('\n') == std::string::npos);
                FUZZ_CHECK(r->message.size() < text.size());
                for (const auto& [key, value] : r->properties) {
                    FUZZ_CHECK(!key.empty() && key.find('=') == std::string::npos);
                    FUZZ_CHECK(value.find('\n') == std::string::npos);
                }
                for (const auto& m : procfs::kmsg_markers(r->message)) FUZZ_CHECK(!m.empty());
            }
            break;
        }
        case 1: {
            std::vector<std::string> modes;
            if (auto mode = procfs::parse_sys_kernel_security_lockdown(text, &modes)) {
                FUZZ_CHECK(!mode->empty() && !modes.empty());
                FUZZ_CHECK(std::find(modes.begin(), modes.end(), *mode) != modes.end());
            }
            break;
        }
        case 2: {
            const std::string value = procfs::parse_proc_sys_value(text);
            FUZZ_CHECK(value.size() <= text.size());
            FUZZ_CHECK(value.empty() || value.back() != '\n');
            if (auto n = procfs::parse_proc_sys_integer(text))
                FUZZ_CHECK(std::to_string(*n).size() <= value.size());
            break;
        }
        case 3: {
            const auto e = autoruns::parse_binfmt_misc_entry(text);
            FUZZ_CHECK(e.interpreter.find('\n') == std::string::npos);
            FUZZ_CHECK(e.flags.find('\n') == std::string::npos);
            FUZZ_CHECK(e.malformed <= text.size());
            break;
        }
        case 4: {
            size_t malformed = 0;
            const auto hooks = ftrace::parse_enabled_functions(text, &malformed);
            FUZZ_CHECK(hooks.size() + malformed <= text.size());
            for (const auto& h : hooks) {
                FUZZ_CHECK(!h.function.empty() && h.function.find(' ') == std::string::npos);
                for (const auto& m : h.modules)
                    FUZZ_CHECK(!m.empty() && m.find(']') == std::string::npos);
                FUZZ_CHECK(h.flags.size() <= text.size());
            }
            break;
        }
        default: {
            if (auto command = autoruns::core_pattern_pipe_command(text)) {
                FUZZ_CHECK(!text.empty() && text.front() == '|');
                FUZZ_CHECK(command->size() < text.size());
            }
            break;
        }
    }
    return 0;
}
