// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/PID/cmdline and /proc/PID/environ (both NUL-separated raw bytes).
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/procfs.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = irsnap::fuzz::as_text(data, size);

    // cmdline is lossless: joining the arguments with NUL gives back the input minus at most
    // one trailing NUL.
    const auto args = parse_proc_pid_cmdline(bytes);
    if (bytes.empty()) {
        FUZZ_CHECK(args.empty());
    } else {
        std::string joined;
        for (size_t i = 0; i < args.size(); ++i) {
            if (i) joined.push_back('\0');
            joined += args[i];
        }
        std::string_view expected = bytes;
        if (expected.back() == '\0') expected.remove_suffix(1);
        FUZZ_CHECK(joined == expected);
    }

    // environ: no key holds '=' or NUL, no value holds NUL, and KEY=VALUE rebuilds an entry.
    const auto env = parse_proc_pid_environ(bytes);
    FUZZ_CHECK(env.size() <= args.size());
    for (const auto& [key, value] : env) {
        FUZZ_CHECK(key.find('=') == std::string::npos);
        FUZZ_CHECK(key.find('\0') == std::string::npos);
        FUZZ_CHECK(value.find('\0') == std::string::npos);
        FUZZ_CHECK(bytes.find(key) != std::string_view::npos);
        FUZZ_CHECK(bytes.find(value) != std::string_view::npos);
    }
    return 0;
}
