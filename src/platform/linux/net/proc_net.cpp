// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/proc_net.hpp"

#include <arpa/inet.h>

#include "irsnap/linux/text_table.hpp"

namespace irsnap::procfs {
namespace {

using table::for_each_table_row;
using table::hex_to;
using table::number_to;
using table::split_ws;

/// "0100007F:0016": the address is hex of 32-bit words in host byte order (so IPv4 127.0.0.1
/// reads 0100007F on little-endian), the port plain hex.
bool parse_endpoint(std::string_view text, int family, std::string& address, uint16_t& port) {
    size_t colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view hex = text.substr(0, colon);
    const size_t words = family == AF_INET6 ? 4 : 1;
    if (hex.size() != words * 8) return false;
    uint32_t raw[4] = {};
    for (size_t w = 0; w < words; ++w) {
        // Each word was printed with %08X of the in-memory (host order) value.
        if (!hex_to(hex.substr(w * 8, 8), raw[w])) return false;
    }
    if (!hex_to(text.substr(colon + 1), port)) return false;
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(family, raw, buf, sizeof buf)) return false;
    address = buf;
    return true;
}

}  // namespace

std::vector<InetSocketRow> parse_proc_net_inet(std::string_view text, int family,
                                               size_t* malformed) {
    std::vector<InetSocketRow> out;
    for_each_table_row(text, malformed, [&](std::string_view line) {
        // sl local remote st tx:rx tr:when retrnsmt uid timeout inode ...
        auto f = split_ws(line);
        InetSocketRow row;
        row.family = family;
        size_t qcolon = f.size() > 4 ? f[4].find(':') : std::string_view::npos;
        bool ok = f.size() >= 10 && !f[0].empty() && f[0].back() == ':' &&
                  parse_endpoint(f[1], family, row.local_address, row.local_port) &&
                  parse_endpoint(f[2], family, row.remote_address, row.remote_port) &&
                  hex_to(f[3], row.state) && qcolon != std::string_view::npos &&
                  hex_to(f[4].substr(0, qcolon), row.tx_queue) &&
                  hex_to(f[4].substr(qcolon + 1), row.rx_queue) && number_to(f[7], row.uid, 10) &&
                  number_to(f[9], row.inode, 10);
        if (ok) out.push_back(std::move(row));
        return ok;
    });
    return out;
}

std::vector<UnixSocketRow> parse_proc_net_unix(std::string_view text, size_t* malformed) {
    std::vector<UnixSocketRow> out;
    for_each_table_row(text, malformed, [&](std::string_view line) {
        // Seven fields, then (after one space) the path, which may itself hold spaces.
        std::string_view rest = line;
        std::vector<std::string_view> f;
        while (f.size() < 7) {
            size_t start = rest.find_first_not_of(' ');
            if (start == std::string_view::npos) break;
            rest.remove_prefix(start);
            size_t end = rest.find(' ');
            f.push_back(rest.substr(0, end));
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        }
        UnixSocketRow row;
        bool ok = f.size() == 7 && !f[0].empty() && f[0].back() == ':' && hex_to(f[3], row.flags) &&
                  hex_to(f[4], row.type) && hex_to(f[5], row.state) &&
                  number_to(f[6], row.inode, 10);
        if (!ok) return false;
        if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        row.path = std::string(rest);
        out.push_back(std::move(row));
        return true;
    });
    return out;
}

std::vector<PacketSocketRow> parse_proc_net_packet(std::string_view text, size_t* malformed) {
    std::vector<PacketSocketRow> out;
    for_each_table_row(text, malformed, [&](std::string_view line) {
        auto f = split_ws(line);
        PacketSocketRow row;
        unsigned running = 0;
        bool ok = f.size() >= 9 && number_to(f[2], row.type, 10) && hex_to(f[3], row.protocol) &&
                  number_to(f[4], row.ifindex, 10) && number_to(f[5], running, 10) &&
                  running <= 1 && number_to(f[7], row.uid, 10) && number_to(f[8], row.inode, 10);
        if (!ok) return false;
        row.running = running == 1;
        out.push_back(row);
        return true;
    });
    return out;
}

std::vector<NetlinkSocketRow> parse_proc_net_netlink(std::string_view text, size_t* malformed) {
    std::vector<NetlinkSocketRow> out;
    for_each_table_row(text, malformed, [&](std::string_view line) {
        auto f = split_ws(line);
        NetlinkSocketRow row;
        bool ok = f.size() >= 10 && number_to(f[1], row.protocol, 10) &&
                  number_to(f[2], row.port_id, 10) && number_to(f[9], row.inode, 10);
        if (ok) out.push_back(row);
        return ok;
    });
    return out;
}

std::string unix_type_name(uint16_t type) {
    switch (type) {
        case 1:
            return "stream";
        case 2:
            return "dgram";
        case 5:
            return "seqpacket";
        default:
            return "type_" + std::to_string(type);
    }
}

std::string unix_state_name(uint8_t state, uint32_t flags) {
    constexpr uint32_t k_accept_connections = 0x10000;  // __SO_ACCEPTCON
    if (flags & k_accept_connections) return "LISTEN";
    switch (state) {
        case 1:
            return "UNCONNECTED";
        case 2:
            return "CONNECTING";
        case 3:
            return "CONNECTED";
        case 4:
            return "DISCONNECTING";
        default:
            return "UNKNOWN_" + std::to_string(state);
    }
}

std::string tcp_state_name(uint8_t state) {
    static constexpr const char* k_names[] = {
        nullptr, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV"};
    if (state > 0 && state < std::size(k_names)) return k_names[state];
    return "UNKNOWN_" + std::to_string(state);
}

}  // namespace irsnap::procfs
