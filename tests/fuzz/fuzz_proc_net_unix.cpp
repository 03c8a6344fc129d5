// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/net/unix.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/proc_net.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    size_t lines = text.empty() ? 0 : 1;
    for (char c : text) lines += c == '\n';
    size_t malformed = 0;
    const auto rows = parse_proc_net_unix(text, &malformed);
    FUZZ_CHECK(rows.size() + malformed <= lines);
    for (const auto& r : rows) {
        FUZZ_CHECK(r.path.find('\n') == std::string::npos);
        FUZZ_CHECK(text.find(r.path) != std::string_view::npos);
        FUZZ_CHECK(!unix_type_name(r.type).empty());
        FUZZ_CHECK(!unix_state_name(r.state, r.flags).empty());
    }
    return 0;
}
