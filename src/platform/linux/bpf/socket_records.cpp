// SPDX-License-Identifier: Apache-2.0
#include <linux/types.h>

#include <cstring>

#include <fmt/format.h>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_sockets.hpp"

namespace irsnap::kernel_view {

const char* KernelSocket::view() const {
    switch (table) {
        case SocketTable::tcp:
            return "iter/tcp";
        case SocketTable::udp:
            return "iter/udp";
        case SocketTable::unix_domain:
            return "iter/unix";
    }
    return "iter/?";
}

Result<std::vector<KernelSocket>> parse_socket_records(std::string_view bytes) {
    constexpr size_t k_size = sizeof(irsnap_socket_record);
    if (bytes.size() % k_size != 0) {
        return ItemError::without_code(
            "parse", "iter/sockets",
            fmt::format("{} bytes are not a whole number of {}-byte records", bytes.size(),
                        k_size));
    }
    std::vector<KernelSocket> sockets;
    sockets.reserve(bytes.size() / k_size);
    for (size_t at = 0; at < bytes.size(); at += k_size) {
        irsnap_socket_record r;
        std::memcpy(&r, bytes.data() + at, k_size);  // the stream has no alignment guarantee
        const bool known_kind =
            r.kind == IRSNAP_ITER_TCP || r.kind == IRSNAP_ITER_UDP || r.kind == IRSNAP_ITER_UNIX;
        if (r.size != k_size || !known_kind || r.unix_path_len > sizeof(r.unix_path)) {
            return ItemError::without_code(
                "parse", "iter/sockets",
                fmt::format("record {} says size {} kind {} path length {}: not this build's "
                            "socket iterators",
                            at / k_size, r.size, r.kind, r.unix_path_len));
        }
        KernelSocket s;
        s.table = static_cast<SocketTable>(r.kind);
        s.family = r.family;
        s.protocol = r.protocol;
        s.type = r.type;
        s.state = r.state;
        s.uid = r.uid;
        s.netns = r.netns;
        s.inode = r.inode;
        std::memcpy(s.local_address.data(), r.local_address, 16);
        std::memcpy(s.remote_address.data(), r.remote_address, 16);
        s.local_port = r.local_port;
        s.remote_port = r.remote_port;
        s.unix_path.assign(r.unix_path, r.unix_path_len);
        sockets.push_back(std::move(s));
    }
    return sockets;
}

}  // namespace irsnap::kernel_view
