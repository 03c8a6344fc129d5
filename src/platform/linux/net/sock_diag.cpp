// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/sock_diag.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "irsnap/linux/netlink_dump.hpp"

namespace irsnap::netlink {
namespace {

bool to_row(const inet_diag_msg& m, procfs::InetSocketRow& row) {
    if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6) return false;
    char buf[INET6_ADDRSTRLEN] = {};
    row.family = m.idiag_family;
    if (!inet_ntop(row.family, m.id.idiag_src, buf, sizeof buf)) return false;
    row.local_address = buf;
    if (!inet_ntop(row.family, m.id.idiag_dst, buf, sizeof buf)) return false;
    row.remote_address = buf;
    row.local_port = ntohs(m.id.idiag_sport);
    row.remote_port = ntohs(m.id.idiag_dport);
    row.state = m.idiag_state;
    row.rx_queue = m.idiag_rqueue;
    row.tx_queue = m.idiag_wqueue;
    row.uid = m.idiag_uid;
    row.inode = m.idiag_inode;
    return true;
}

/// One reply message into `rows`; false for a type a sock_diag dump never sends, a payload too
/// short, or a foreign family.
bool decode_message(uint16_t type, std::string_view payload,
                    std::vector<procfs::InetSocketRow>& rows) {
    if (type != SOCK_DIAG_BY_FAMILY || payload.size() < sizeof(inet_diag_msg)) return false;
    inet_diag_msg m{};
    std::memcpy(&m, payload.data(), sizeof m);  // attributes after it are ignored
    procfs::InetSocketRow row;
    if (!to_row(m, row)) return false;
    rows.push_back(std::move(row));
    return true;
}

std::string describe(int family, int protocol) {
    const char* fam = family == AF_INET ? "AF_INET" : family == AF_INET6 ? "AF_INET6" : "?";
    return "NETLINK_SOCK_DIAG " + std::string(fam) + " protocol " + std::to_string(protocol);
}

}  // namespace

InetDiagChunk parse_inet_diag_dump(std::string_view bytes) {
    InetDiagChunk out;
    const WalkResult walk = walk_messages(bytes, nullptr, [&](uint16_t type, std::string_view p) {
        return decode_message(type, p, out.rows);
    });
    out.done = walk.done;
    out.error = walk.error;
    out.malformed = walk.malformed;
    return out;
}

Result<std::vector<procfs::InetSocketRow>> dump_inet_sockets(int family, int protocol, int netns_fd,
                                                             uint32_t states) {
    const std::string what = describe(family, protocol);
    auto fail = [&](int code, std::string message) -> ItemError {
        return ItemError::from_errno("netlink", code, what, std::move(message));
    };
    // Any other family would reach another sock_diag handler (unix, netlink ...) whose replies
    // are not inet_diag_msg.
    if (family != AF_INET && family != AF_INET6) return fail(EAFNOSUPPORT, "not an inet family");
    if (protocol < 0 || protocol > 255) return fail(EPROTONOSUPPORT, "protocol out of range");

    struct {
        nlmsghdr h;
        inet_diag_req_v2 r;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.r.sdiag_family = static_cast<uint8_t>(family);
    req.r.sdiag_protocol = static_cast<uint8_t>(protocol);
    req.r.idiag_states =
        states;  // the default, every state: UDP sockets are CLOSE (7) or ESTABLISHED
    std::vector<procfs::InetSocketRow> rows;
    auto done = dump(
        NETLINK_SOCK_DIAG, &req, sizeof req, what,
        [&](uint16_t type, std::string_view payload) {
            return decode_message(type, payload, rows);
        },
        netns_fd);
    if (!done) return done.error();
    return rows;
}

}  // namespace irsnap::netlink
