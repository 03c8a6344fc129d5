// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the small /proc parsers (uptime, loadavg, meminfo, stat btime, namespace
// links) and the helpers fed from parsed numbers (tty_name, capability_names,
// strip_deleted_suffix), all on the same input.
#include <cstring>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/procfs.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);

    (void)parse_proc_uptime(text);
    (void)parse_proc_loadavg(text);
    (void)parse_proc_stat_btime(text);

    for (const auto& [key, value] : parse_proc_meminfo(text)) {
        FUZZ_CHECK(key.find('\n') == std::string::npos);
        FUZZ_CHECK(text.find(key + ":") != std::string_view::npos);
        (void)value;
    }

    if (auto inode = parse_proc_pid_ns_link(text)) {
        // "TYPE:[DIGITS]": only decimal digits between the first ":[" and the final ']'.
        const size_t open = text.find(":[");
        FUZZ_CHECK(open != std::string_view::npos && text.back() == ']');
        const std::string_view digits = text.substr(open + 2, text.size() - open - 3);
        FUZZ_CHECK(!digits.empty());
        for (char c : digits) FUZZ_CHECK(c >= '0' && c <= '9');
        if (digits.size() < 20 && digits.find_first_not_of('0') == 0) {
            FUZZ_CHECK(std::to_string(*inode) == digits);
        }
    }

    bool had = false;
    const std::string_view stripped = strip_deleted_suffix(text, &had);
    if (had) {
        FUZZ_CHECK(std::string(stripped) + " (deleted)" == text);
    } else {
        FUZZ_CHECK(stripped == text);
    }

    // Any 64-bit value as a tty_nr and as a capability mask.
    if (size >= 8) {
        int64_t n;
        std::memcpy(&n, data, sizeof n);
        const std::string tty = tty_name(n);
        FUZZ_CHECK(tty.empty() == (n == 0));
        const auto mask = static_cast<uint64_t>(n);
        FUZZ_CHECK(capability_names(mask).size() ==
                   static_cast<size_t>(__builtin_popcountll(mask)));
    }
    return 0;
}
