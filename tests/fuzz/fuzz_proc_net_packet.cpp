// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: /proc/net/packet and /proc/net/netlink.
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/proc_net.hpp"

using namespace irsnap::procfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = irsnap::fuzz::as_text(data, size);
    size_t lines = text.empty() ? 0 : 1;
    for (char c : text) lines += c == '\n';
    size_t malformed = 0;
    const auto packets = parse_proc_net_packet(text, &malformed);
    FUZZ_CHECK(packets.size() + malformed <= lines);
    malformed = 0;
    const auto netlinks = parse_proc_net_netlink(text, &malformed);
    FUZZ_CHECK(netlinks.size() + malformed <= lines);
    return 0;
}
