// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "irsnap/linux/proc_net.hpp"
#include "irsnap/linux/sock_diag.hpp"

using irsnap::netlink::dump_inet_sockets;
using irsnap::netlink::parse_inet_diag_dump;
using irsnap::procfs::InetSocketRow;

namespace {

/// One netlink message as the kernel lays it out: header, payload, padding to 4 bytes.
/// `len_override` forges nlmsg_len for the malformed cases.
std::string nl_msg(uint16_t type, const void* payload, size_t size, uint32_t len_override = 0) {
    nlmsghdr h{};
    h.nlmsg_len = len_override ? len_override : static_cast<uint32_t>(NLMSG_HDRLEN + size);
    h.nlmsg_type = type;
    h.nlmsg_flags = NLM_F_MULTI;
    h.nlmsg_seq = 7;
    h.nlmsg_pid = 4242;
    std::string out(reinterpret_cast<const char*>(&h), sizeof h);
    out.append(static_cast<const char*>(payload), size);
    out.resize(NLMSG_ALIGN(out.size()), '\0');
    return out;
}

std::string diag_msg(const inet_diag_msg& m, const std::string& attrs = {}) {
    std::string payload(reinterpret_cast<const char*>(&m), sizeof m);
    return nl_msg(SOCK_DIAG_BY_FAMILY, (payload + attrs).data(), payload.size() + attrs.size());
}

/// Fills an inet_diag_msg the way the kernel does: addresses and ports in network byte order.
inet_diag_msg make_msg(int family, const char* src, uint16_t sport, const char* dst, uint16_t dport,
                       uint8_t state) {
    inet_diag_msg m{};
    m.idiag_family = static_cast<uint8_t>(family);
    m.idiag_state = state;
    EXPECT_EQ(inet_pton(family, src, m.id.idiag_src), 1) << src;
    EXPECT_EQ(inet_pton(family, dst, m.id.idiag_dst), 1) << dst;
    m.id.idiag_sport = htons(sport);
    m.id.idiag_dport = htons(dport);
    return m;
}

std::string done_msg(int code = 0) {
    return nl_msg(NLMSG_DONE, &code, sizeof code);
}

std::string error_msg(int negative_errno) {
    nlmsgerr e{};
    e.error = negative_errno;
    return nl_msg(NLMSG_ERROR, &e, sizeof e);
}

std::string read_text(const char* path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

uint64_t inode_of(int fd) {
    struct stat st {};
    EXPECT_EQ(fstat(fd, &st), 0);
    return st.st_ino;
}

const InetSocketRow* find_inode(const std::vector<InetSocketRow>& rows, uint64_t inode) {
    for (const auto& r : rows)
        if (r.inode == inode) return &r;
    return nullptr;
}

/// Same socket, seen through netlink and through /proc/net: the rendered text must agree.
void expect_same_as_proc(const InetSocketRow& nl, const char* proc_path, int family) {
    size_t bad = 99;
    auto proc_rows = irsnap::procfs::parse_proc_net_inet(read_text(proc_path), family, &bad);
    EXPECT_EQ(bad, 0u);
    const InetSocketRow* p = find_inode(proc_rows, nl.inode);
    ASSERT_NE(p, nullptr) << "inode " << nl.inode << " not in " << proc_path;
    EXPECT_EQ(p->local_address, nl.local_address);
    EXPECT_EQ(p->local_port, nl.local_port);
    EXPECT_EQ(p->remote_address, nl.remote_address);
    EXPECT_EQ(p->remote_port, nl.remote_port);
    EXPECT_EQ(p->state, nl.state);
    EXPECT_EQ(p->uid, nl.uid);
    EXPECT_EQ(p->family, nl.family);
}

}  // namespace

TEST(SockDiagParse, TwoIpv4MessagesAndDone) {
    inet_diag_msg a = make_msg(AF_INET, "127.0.0.1", 8080, "0.0.0.0", 0, 10);
    a.idiag_rqueue = 0;
    a.idiag_wqueue = 128;
    a.idiag_uid = 0;
    a.idiag_inode = 12345;
    inet_diag_msg b = make_msg(AF_INET, "10.0.0.5", 50000, "192.168.1.1", 6667, 1);
    b.idiag_rqueue = 2;
    b.idiag_wqueue = 10;
    b.idiag_uid = 1000;
    b.idiag_inode = 67890;
    // An INET_DIAG_SHUTDOWN attribute after the fixed part: must be skipped, not misread.
    const char attr[8] = {5, 0, INET_DIAG_SHUTDOWN, 0, 3, 0, 0, 0};
    std::string buf = diag_msg(a) + diag_msg(b, std::string(attr, sizeof attr)) + done_msg();
    // Ports travel big-endian: 8080 = 0x1F90 is the byte sequence 1F 90 on every host.
    const size_t sport_at = NLMSG_HDRLEN + offsetof(inet_diag_msg, id.idiag_sport);
    EXPECT_EQ(static_cast<uint8_t>(buf[sport_at]), 0x1F);
    EXPECT_EQ(static_cast<uint8_t>(buf[sport_at + 1]), 0x90);

    auto chunk = parse_inet_diag_dump(buf);
    EXPECT_TRUE(chunk.done);
    EXPECT_EQ(chunk.error, 0);
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 2u);
    const auto& r0 = chunk.rows[0];
    EXPECT_EQ(r0.family, AF_INET);
    EXPECT_EQ(r0.local_address, "127.0.0.1");
    EXPECT_EQ(r0.local_port, 8080);
    EXPECT_EQ(r0.remote_address, "0.0.0.0");
    EXPECT_EQ(r0.remote_port, 0);
    EXPECT_EQ(irsnap::procfs::tcp_state_name(r0.state), "LISTEN");
    EXPECT_EQ(r0.rx_queue, 0u);
    EXPECT_EQ(r0.tx_queue, 128u);
    EXPECT_EQ(r0.uid, 0);
    EXPECT_EQ(r0.inode, 12345u);
    const auto& r1 = chunk.rows[1];
    EXPECT_EQ(r1.local_address, "10.0.0.5");
    EXPECT_EQ(r1.local_port, 50000);
    EXPECT_EQ(r1.remote_address, "192.168.1.1");
    EXPECT_EQ(r1.remote_port, 6667);
    EXPECT_EQ(irsnap::procfs::tcp_state_name(r1.state), "ESTABLISHED");
    EXPECT_EQ(r1.rx_queue, 2u);
    EXPECT_EQ(r1.tx_queue, 10u);
    EXPECT_EQ(r1.uid, 1000);
    EXPECT_EQ(r1.inode, 67890u);

    // Same bytes at an odd address: the decoder must not rely on alignment (UBSan checks).
    std::string shifted = "x" + buf;
    auto again = parse_inet_diag_dump(std::string_view(shifted).substr(1));
    ASSERT_EQ(again.rows.size(), 2u);
    EXPECT_EQ(again.rows[1].remote_port, 6667);
}

TEST(SockDiagParse, Ipv6LoopbackAndMappedV4) {
    inet_diag_msg a = make_msg(AF_INET6, "::1", 8080, "::", 0, 10);
    a.idiag_inode = 111;
    inet_diag_msg b = make_msg(AF_INET6, "::ffff:127.0.0.1", 80, "::ffff:127.0.0.2", 54321, 1);
    b.idiag_uid = 33;
    b.idiag_inode = 222;
    auto chunk = parse_inet_diag_dump(diag_msg(a) + diag_msg(b) + done_msg());
    EXPECT_TRUE(chunk.done);
    EXPECT_EQ(chunk.malformed, 0u);
    ASSERT_EQ(chunk.rows.size(), 2u);
    EXPECT_EQ(chunk.rows[0].family, AF_INET6);
    EXPECT_EQ(chunk.rows[0].local_address, "::1");
    EXPECT_EQ(chunk.rows[0].local_port, 8080);
    EXPECT_EQ(chunk.rows[0].remote_address, "::");
    EXPECT_EQ(chunk.rows[0].inode, 111u);
    EXPECT_EQ(chunk.rows[1].local_address, "::ffff:127.0.0.1");
    EXPECT_EQ(chunk.rows[1].local_port, 80);
    EXPECT_EQ(chunk.rows[1].remote_address, "::ffff:127.0.0.2");
    EXPECT_EQ(chunk.rows[1].remote_port, 54321);
    EXPECT_EQ(chunk.rows[1].uid, 33);
}

TEST(SockDiagParse, ErrorMessageStopsTheDump) {
    inet_diag_msg a = make_msg(AF_INET, "127.0.0.1", 22, "0.0.0.0", 0, 10);
    auto chunk = parse_inet_diag_dump(diag_msg(a) + error_msg(-EPROTONOSUPPORT) + diag_msg(a));
    EXPECT_EQ(chunk.error, EPROTONOSUPPORT);
    EXPECT_FALSE(chunk.done);
    EXPECT_EQ(chunk.rows.size(), 1u);  // the row after the error is not decoded
    EXPECT_EQ(chunk.malformed, 0u);

    auto enoent = parse_inet_diag_dump(error_msg(-ENOENT));
    EXPECT_EQ(enoent.error, ENOENT);
    // An ACK (error 0) is no failure; a positive code is no errno encoding.
    auto ack = parse_inet_diag_dump(error_msg(0) + diag_msg(a) + done_msg());
    EXPECT_EQ(ack.error, 0);
    EXPECT_TRUE(ack.done);
    EXPECT_EQ(ack.rows.size(), 1u);
    EXPECT_EQ(parse_inet_diag_dump(error_msg(5)).malformed, 1u);
    EXPECT_EQ(parse_inet_diag_dump(error_msg(INT32_MIN)).error, EPROTO);
    // NLMSG_ERROR too short to hold the code.
    EXPECT_EQ(parse_inet_diag_dump(nl_msg(NLMSG_ERROR, "", 0)).malformed, 1u);
    // NLMSG_DONE carrying a negative errno: the dump ended in failure.
    auto failed_done = parse_inet_diag_dump(done_msg(-EINTR));
    EXPECT_TRUE(failed_done.done);
    EXPECT_EQ(failed_done.error, EINTR);
}

TEST(SockDiagParse, TruncatedMessageIsSkippedAndNextOneRead) {
    inet_diag_msg a = make_msg(AF_INET, "127.0.0.1", 22, "0.0.0.0", 0, 10);
    a.idiag_inode = 5;
    // nlmsg_len is consistent but the payload is shorter than inet_diag_msg.
    std::string shortmsg = nl_msg(SOCK_DIAG_BY_FAMILY, &a, 20);
    auto chunk = parse_inet_diag_dump(shortmsg + diag_msg(a) + done_msg());
    EXPECT_EQ(chunk.malformed, 1u);
    EXPECT_TRUE(chunk.done);
    ASSERT_EQ(chunk.rows.size(), 1u);
    EXPECT_EQ(chunk.rows[0].inode, 5u);
    // A buffer cut inside a message header: one fragment counted.
    auto cut = parse_inet_diag_dump(diag_msg(a) + std::string(10, '\0'));
    EXPECT_EQ(cut.rows.size(), 1u);
    EXPECT_EQ(cut.malformed, 1u);
    EXPECT_FALSE(cut.done);
}

TEST(SockDiagParse, LengthSmallerThanHeaderStops) {
    inet_diag_msg a = make_msg(AF_INET, "127.0.0.1", 22, "0.0.0.0", 0, 10);
    std::string bad = nl_msg(SOCK_DIAG_BY_FAMILY, &a, sizeof a, 8);
    auto chunk = parse_inet_diag_dump(bad + diag_msg(a) + done_msg());
    // Without a trustworthy length there is no next header: nothing after it is believed.
    EXPECT_EQ(chunk.malformed, 1u);
    EXPECT_TRUE(chunk.rows.empty());
    EXPECT_FALSE(chunk.done);
    EXPECT_EQ(parse_inet_diag_dump(nl_msg(NLMSG_DONE, "", 0, 0xFFFFFFFFu)).malformed, 1u);
}

TEST(SockDiagParse, LengthBeyondBufferStops) {
    inet_diag_msg a = make_msg(AF_INET, "127.0.0.1", 22, "0.0.0.0", 0, 10);
    std::string good = diag_msg(a);
    std::string over = nl_msg(SOCK_DIAG_BY_FAMILY, &a, sizeof a,
                              static_cast<uint32_t>(NLMSG_HDRLEN + sizeof a + 100));
    auto chunk = parse_inet_diag_dump(good + over);
    EXPECT_EQ(chunk.rows.size(), 1u);
    EXPECT_EQ(chunk.malformed, 1u);
    EXPECT_FALSE(chunk.done);
}

TEST(SockDiagParse, ForeignFamiliesTypesAndEmptyInput) {
    inet_diag_msg unix_like = make_msg(AF_INET, "127.0.0.1", 22, "0.0.0.0", 0, 10);
    unix_like.idiag_family = AF_UNIX;
    inet_diag_msg ok = make_msg(AF_INET, "127.0.0.1", 22, "0.0.0.0", 0, 10);
    std::string buf = diag_msg(unix_like) + nl_msg(0x99, "abcd", 4) + nl_msg(NLMSG_NOOP, "", 0) +
                      diag_msg(ok) + done_msg();
    auto chunk = parse_inet_diag_dump(buf);
    EXPECT_EQ(chunk.malformed, 2u);  // AF_UNIX row and unknown type; NOOP is fine
    EXPECT_EQ(chunk.rows.size(), 1u);
    EXPECT_TRUE(chunk.done);
    auto empty = parse_inet_diag_dump({});
    EXPECT_TRUE(empty.rows.empty());
    EXPECT_FALSE(empty.done);
    EXPECT_EQ(empty.malformed, 0u);
    EXPECT_EQ(empty.error, 0);
}

TEST(SockDiagLive, Tcp4ListenerAndConnectionMatchProcNet) {
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(lfd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(lfd, 4), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(cfd, 0);
    ASSERT_EQ(connect(cfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    sockaddr_in caddr{};
    len = sizeof caddr;
    ASSERT_EQ(getsockname(cfd, reinterpret_cast<sockaddr*>(&caddr), &len), 0);

    auto rows = dump_inet_sockets(AF_INET, IPPROTO_TCP);
    ASSERT_TRUE(rows.ok()) << rows.error().stage << " " << rows.error().message;
    const InetSocketRow* l = find_inode(*rows, inode_of(lfd));
    const InetSocketRow* c = find_inode(*rows, inode_of(cfd));
    ASSERT_NE(l, nullptr) << "own listener not in the netlink dump";
    ASSERT_NE(c, nullptr) << "own client socket not in the netlink dump";
    EXPECT_EQ(l->family, AF_INET);
    EXPECT_EQ(l->local_address, "127.0.0.1");
    EXPECT_EQ(l->local_port, ntohs(addr.sin_port));
    EXPECT_EQ(l->remote_address, "0.0.0.0");
    EXPECT_EQ(l->state, 10);  // LISTEN
    EXPECT_EQ(l->uid, getuid());
    EXPECT_EQ(c->local_port, ntohs(caddr.sin_port));
    EXPECT_EQ(c->remote_address, "127.0.0.1");
    EXPECT_EQ(c->remote_port, ntohs(addr.sin_port));
    EXPECT_EQ(c->state, 1);  // ESTABLISHED
    expect_same_as_proc(*l, "/proc/net/tcp", AF_INET);
    expect_same_as_proc(*c, "/proc/net/tcp", AF_INET);
    close(cfd);
    close(lfd);
}

TEST(SockDiagLive, Tcp6ListenerMatchesProcNet) {
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) GTEST_SKIP() << "no IPv6 sockets: " << std::strerror(errno);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int e = errno;
        close(fd);
        GTEST_SKIP() << "cannot bind ::1: " << std::strerror(e);
    }
    ASSERT_EQ(listen(fd, 1), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    auto rows = dump_inet_sockets(AF_INET6, IPPROTO_TCP);
    ASSERT_TRUE(rows.ok()) << rows.error().stage << " " << rows.error().message;
    const InetSocketRow* r = find_inode(*rows, inode_of(fd));
    ASSERT_NE(r, nullptr) << "own IPv6 listener not in the netlink dump";
    EXPECT_EQ(r->family, AF_INET6);
    EXPECT_EQ(r->local_address, "::1");
    EXPECT_EQ(r->local_port, ntohs(addr.sin6_port));
    EXPECT_EQ(r->remote_address, "::");
    EXPECT_EQ(r->state, 10);
    EXPECT_EQ(r->uid, getuid());
    expect_same_as_proc(*r, "/proc/net/tcp6", AF_INET6);
    close(fd);
}

TEST(SockDiagLive, Udp4BoundSocketMatchesProcNet) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    auto rows = dump_inet_sockets(AF_INET, IPPROTO_UDP);
    ASSERT_TRUE(rows.ok()) << rows.error().stage << " " << rows.error().message;
    const InetSocketRow* r = find_inode(*rows, inode_of(fd));
    ASSERT_NE(r, nullptr) << "own UDP socket not in the netlink dump";
    EXPECT_EQ(r->local_address, "127.0.0.1");
    EXPECT_EQ(r->local_port, ntohs(addr.sin_port));
    EXPECT_EQ(r->state, 7);  // bound, unconnected UDP reports TCP_CLOSE
    EXPECT_EQ(r->uid, getuid());
    expect_same_as_proc(*r, "/proc/net/udp", AF_INET);
    close(fd);
}

TEST(SockDiagLive, UnsupportedRequestsComeBackAsItemErrors) {
    // UDP-Lite may be compiled out or removed (Linux 6.x deprecates it): either answer is fine.
    auto lite = dump_inet_sockets(AF_INET, IPPROTO_UDPLITE);
    if (lite.ok()) {
        for (const auto& r : *lite) EXPECT_EQ(r.family, AF_INET);
    } else {
        EXPECT_EQ(lite.error().stage, "netlink");
        EXPECT_NE(lite.error().code, 0);
    }
    auto lite6 = dump_inet_sockets(AF_INET6, IPPROTO_UDPLITE);
    if (!lite6.ok()) {
        EXPECT_EQ(lite6.error().stage, "netlink");
    }
    // No inet_diag handler exists for protocol 253 (reserved for experiments).
    auto none = dump_inet_sockets(AF_INET, 253);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().stage, "netlink");
    EXPECT_EQ(none.error().code, ENOENT);
    auto unix_family = dump_inet_sockets(AF_UNIX, IPPROTO_TCP);
    ASSERT_FALSE(unix_family.ok());
    EXPECT_EQ(unix_family.error().code, EAFNOSUPPORT);
    EXPECT_EQ(unix_family.error().stage, "netlink");
}
