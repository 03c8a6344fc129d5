// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/net/{tcp,udp}[6] tables, both address families.
#include <sys/socket.h>

#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/proc_net.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    size_t lines = text.empty() ? 0 : 1;
    for (char c : text) lines += c == '\n';
    for (int family : {AF_INET, AF_INET6}) {
        size_t malformed = 0;
        const auto rows = parse_proc_net_inet(text, family, &malformed);
        // Every line but the header is either a row or counted (blank lines are neither).
        FUZZ_CHECK(rows.size() + malformed <= lines);
        for (const auto& r : rows) {
            FUZZ_CHECK(r.family == family);
            FUZZ_CHECK(!r.local_address.empty() && !r.remote_address.empty());
            FUZZ_CHECK(!tcp_state_name(r.state).empty());
        }
    }
    return 0;
}
