// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: NETLINK_SOCK_DIAG dump buffers (nlmsghdr + inet_diag_msg + attributes).
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/proc_net.hpp"
#include "irsnap/linux/sock_diag.hpp"

using irsnap::netlink::parse_inet_diag_dump;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes = irsnap::fuzz::as_text(data, size);
    const auto chunk = parse_inet_diag_dump(bytes);
    // Each message, row or skipped, spends at least one header; plus one trailing fragment.
    FUZZ_CHECK(chunk.rows.size() + chunk.malformed <= size / sizeof(nlmsghdr) + 1);
    FUZZ_CHECK(chunk.error >= 0);
    for (const auto& r : chunk.rows) {
        FUZZ_CHECK(r.family == AF_INET || r.family == AF_INET6);
        // The text must be what inet_ntop makes: it parses back in the same family.
        unsigned char raw[16];
        FUZZ_CHECK(inet_pton(r.family, r.local_address.c_str(), raw) == 1);
        FUZZ_CHECK(inet_pton(r.family, r.remote_address.c_str(), raw) == 1);
        FUZZ_CHECK(!irsnap::procfs::tcp_state_name(r.state).empty());
    }
    // Pure: the same bytes decode the same way at another (odd) address.
    const std::string copy = " " + std::string(bytes);
    const auto again = parse_inet_diag_dump(std::string_view(copy).substr(1));
    FUZZ_CHECK(again.rows.size() == chunk.rows.size() && again.malformed == chunk.malformed &&
               again.done == chunk.done && again.error == chunk.error);
    for (size_t i = 0; i < again.rows.size(); ++i) {
        FUZZ_CHECK(again.rows[i].inode == chunk.rows[i].inode);
        FUZZ_CHECK(again.rows[i].local_address == chunk.rows[i].local_address);
    }
    return 0;
}
