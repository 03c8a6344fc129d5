// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/PID/cgroup.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/procfs.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    const auto entries = parse_proc_pid_cgroup(text);
    size_t lines = text.empty() ? 0 : 1;
    for (char c : text) lines += c == '\n';
    FUZZ_CHECK(entries.size() <= lines);
    for (const auto& e : entries) {
        // hierarchy:controllers:path, and only the path may contain ':'.
        FUZZ_CHECK(e.controllers.find(':') == std::string::npos);
        FUZZ_CHECK(e.controllers.find('\n') == std::string::npos);
        FUZZ_CHECK(e.path.find('\n') == std::string::npos);
        FUZZ_CHECK(text.find(":" + e.controllers + ":" + e.path) != std::string_view::npos);
    }
    return 0;
}
