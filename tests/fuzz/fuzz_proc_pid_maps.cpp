// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/PID/maps, and /proc/PID/smaps's VmFlags (the same header lines).
#include "fuzz_common.hpp"
#include "irsnap/linux/proc_maps.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    size_t malformed = ~size_t{0};
    const auto entries = parse_proc_pid_maps(text, &malformed);

    // Every non-empty line is either an entry or counted as malformed.
    size_t lines = 0;
    for (size_t start = 0; start < text.size();) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        if (nl > start) ++lines;
        start = nl + 1;
    }
    FUZZ_CHECK(entries.size() + malformed == lines);
    FUZZ_CHECK(parse_proc_pid_maps(text).size() == entries.size());

    for (const auto& e : entries) {
        FUZZ_CHECK(e.start <= e.end);
        FUZZ_CHECK(e.perms.size() == 4);
        FUZZ_CHECK(e.perms[3] == 'p' || e.perms[3] == 's');
        FUZZ_CHECK(e.pathname.find('\n') == std::string::npos);
        FUZZ_CHECK(e.pathname.empty() || e.pathname.front() != ' ');
        // The classification never contradicts the name's shape.
        const auto backing = maps_backing(e.pathname);
        if (e.pathname.empty()) FUZZ_CHECK(backing == MapsBacking::anonymous);
        if (is_memfd_pathname(e.pathname)) FUZZ_CHECK(backing == MapsBacking::file);
    }
    // Every flags entry belongs to a mapping the maps parser also reads from the same text.
    for (const auto& [start, flags] : parse_proc_pid_smaps_flags(text)) {
        bool known = false;
        for (const auto& e : entries) known = known || e.start == start;
        FUZZ_CHECK(known);
        FUZZ_CHECK(flags.find('\n') == std::string::npos);
        (void)has_vm_flag(flags, "io");
    }
    return 0;
}
