// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/PID/mountinfo.
#include "fuzz_common.hpp"
#include "irsnap/linux/procfs.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    size_t malformed = ~size_t{0};
    const auto mounts = parse_proc_pid_mountinfo(text, &malformed);

    // Every non-empty line is either a mount or counted as malformed.
    size_t lines = 0;
    for (size_t start = 0; start < text.size();) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        if (nl > start) ++lines;
        start = nl + 1;
    }
    FUZZ_CHECK(mounts.size() + malformed == lines);
    FUZZ_CHECK(parse_proc_pid_mountinfo(text).size() == mounts.size());

    for (const auto& m : mounts) {
        // Decoding \ooo only ever shrinks a field; nothing spans a line.
        FUZZ_CHECK(m.root.size() <= text.size() && m.mount_point.size() <= text.size());
        FUZZ_CHECK(m.mount_options.find('\n') == std::string::npos);
        FUZZ_CHECK(m.fs_type.find('\n') == std::string::npos);
        FUZZ_CHECK(m.super_options.find('\n') == std::string::npos);
        // The separator is the first "-" from field 7 on: it is never an optional field.
        for (const auto& opt : m.optional_fields) FUZZ_CHECK(opt != "-");
    }
    return 0;
}
