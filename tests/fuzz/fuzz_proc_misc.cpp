// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the small /proc parsers (uptime, loadavg, meminfo, stat btime, namespace
// links), /proc/iomem's System RAM ranges and /proc/kcore's program headers, and the helpers fed
// from parsed numbers (tty_name, capability_names, strip_deleted_suffix), all on the same input.
#include <cstring>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/physical_memory_map.hpp"
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
    // RAM ranges: in order, never empty, never overlapping (the image reads each byte once).
    const auto ram = irsnap::physmem::parse_iomem_system_ram(text);
    for (size_t i = 0; i < ram.ranges.size(); ++i) {
        FUZZ_CHECK(ram.ranges[i].start < ram.ranges[i].end);
        if (i > 0) FUZZ_CHECK(ram.ranges[i - 1].end <= ram.ranges[i].start);
    }
    FUZZ_CHECK(!ram.addresses_hidden || ram.ranges.empty());
    // kcore: every segment maps bytes that wrap neither address space, largest first.
    std::string error;
    if (auto segments = irsnap::physmem::parse_kcore_segments(text, error)) {
        for (size_t i = 0; i < segments->size(); ++i) {
            const auto& s = (*segments)[i];
            FUZZ_CHECK(s.size > 0 && s.physical + s.size > s.physical &&
                       s.file_offset + s.size > s.file_offset);
            if (i > 0) FUZZ_CHECK((*segments)[i - 1].size >= s.size);
            FUZZ_CHECK(irsnap::physmem::segment_holding(*segments, s.physical) != nullptr);
        }
    } else {
        FUZZ_CHECK(!error.empty());
    }
    return 0;
}
