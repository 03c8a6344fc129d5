// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/PID/status.
#include "fuzz_common.hpp"
#include "irsnap/linux/procfs.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    const PidStatus status = parse_proc_pid_status(text);
    // Every value comes from a line of its own: no field can span a newline.
    if (status.name) {
        FUZZ_CHECK(status.name->find('\n') == std::string::npos);
        FUZZ_CHECK(text.find(*status.name) != std::string_view::npos);
    }
    // A key that never occurs cannot be set.
    FUZZ_CHECK(!status.uid || text.find("Uid:") != std::string_view::npos);
    FUZZ_CHECK(!status.gid || text.find("Gid:") != std::string_view::npos);
    FUZZ_CHECK(!status.ppid || text.find("PPid:") != std::string_view::npos);
    FUZZ_CHECK(!status.threads || text.find("Threads:") != std::string_view::npos);
    FUZZ_CHECK(!status.vm_rss_kb || text.find("VmRSS:") != std::string_view::npos);
    if (status.cap_eff) {
        FUZZ_CHECK(text.find("CapEff:") != std::string_view::npos);
        const auto caps = capability_names(*status.cap_eff);
        FUZZ_CHECK(caps.size() == static_cast<size_t>(__builtin_popcountll(*status.cap_eff)));
    }
    return 0;
}
