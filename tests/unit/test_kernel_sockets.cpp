// SPDX-License-Identifier: Apache-2.0
// The socket iterators' records (iter/tcp, iter/udp, iter/unix) over literal bytes.
#include <gtest/gtest.h>
#include <linux/types.h>

#include <cstring>

#include "irsnap/linux/bpf_iter_records.h"
#include "irsnap/linux/kernel_sockets.hpp"

namespace irsnap {
namespace {

using kernel_view::SocketTable;

irsnap_socket_record socket_record(uint16_t kind, uint64_t inode) {
    irsnap_socket_record r{};
    r.size = sizeof(r);
    r.kind = kind;
    r.inode = inode;
    r.netns = 4026531840u;
    return r;
}

std::string bytes_of(const irsnap_socket_record& r) {
    return std::string(reinterpret_cast<const char*>(&r), sizeof(r));
}

TEST(KernelSockets, RecordsOfTheThreeIteratorsParse) {
    auto tcp = socket_record(IRSNAP_ITER_TCP, 4242);
    tcp.family = 2;
    tcp.protocol = 6;
    tcp.type = 1;
    tcp.state = 10;  // LISTEN
    tcp.uid = 1000;
    const uint8_t loopback[4] = {127, 0, 0, 1};
    std::memcpy(tcp.local_address, loopback, 4);
    tcp.local_port = 8080;
    auto udp = socket_record(IRSNAP_ITER_UDP, 4343);
    udp.family = 10;
    udp.protocol = 17;
    udp.remote_address[15] = 1;  // ::1
    udp.remote_port = 53;
    auto unix_sock = socket_record(IRSNAP_ITER_UNIX, 4444);
    unix_sock.family = 1;
    const char abstract[] = "\0backdoor";
    std::memcpy(unix_sock.unix_path, abstract, sizeof(abstract) - 1);
    unix_sock.unix_path_len = sizeof(abstract) - 1;

    auto sockets =
        kernel_view::parse_socket_records(bytes_of(tcp) + bytes_of(udp) + bytes_of(unix_sock));
    ASSERT_TRUE(sockets.ok()) << sockets.error().text();
    ASSERT_EQ(sockets->size(), 3u);
    const auto& t = (*sockets)[0];
    EXPECT_EQ(t.table, SocketTable::tcp);
    EXPECT_STREQ(t.view(), "iter/tcp");
    EXPECT_EQ(t.inode, 4242u);
    EXPECT_EQ(t.state, 10);
    EXPECT_EQ(t.uid, 1000u);
    EXPECT_EQ(t.netns, 4026531840u);
    EXPECT_EQ(t.local_address[0], 127);
    EXPECT_EQ(t.local_address[3], 1);
    EXPECT_EQ(t.local_port, 8080);
    const auto& u = (*sockets)[1];
    EXPECT_STREQ(u.view(), "iter/udp");
    EXPECT_EQ(u.family, 10);
    EXPECT_EQ(u.remote_address[15], 1);
    EXPECT_EQ(u.remote_port, 53);
    const auto& x = (*sockets)[2];
    EXPECT_STREQ(x.view(), "iter/unix");
    EXPECT_EQ(x.unix_path, std::string("\0backdoor", 9));  // the abstract name's NUL is kept
    EXPECT_TRUE(kernel_view::parse_socket_records("").ok());
}

TEST(KernelSockets, ATruncatedForeignOrOverlongRecordIsRefused) {
    const std::string one = bytes_of(socket_record(IRSNAP_ITER_TCP, 1));
    EXPECT_FALSE(kernel_view::parse_socket_records(one.substr(0, one.size() - 1)).ok());
    EXPECT_FALSE(kernel_view::parse_socket_records(one + "x").ok());
    EXPECT_FALSE(
        kernel_view::parse_socket_records(bytes_of(socket_record(IRSNAP_ITER_TASK, 1))).ok());
    EXPECT_FALSE(kernel_view::parse_socket_records(bytes_of(socket_record(2, 1))).ok());
    auto wrong_size = socket_record(IRSNAP_ITER_UDP, 1);
    wrong_size.size = sizeof(wrong_size) - 8;
    EXPECT_FALSE(kernel_view::parse_socket_records(bytes_of(wrong_size)).ok());
    auto long_path = socket_record(IRSNAP_ITER_UNIX, 1);
    long_path.unix_path_len = sizeof(long_path.unix_path) + 1;
    EXPECT_FALSE(kernel_view::parse_socket_records(bytes_of(long_path)).ok());
}

}  // namespace
}  // namespace irsnap
