// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "fixture_util.hpp"
#include "irsnap/linux/proc_net.hpp"

using namespace irsnap::procfs;

namespace {

constexpr const char* k_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n";

bool little_endian() {
    const uint16_t probe = 1;
    return *reinterpret_cast<const uint8_t*>(&probe) == 1;
}

}  // namespace

TEST(ProcNetInet, Ipv4ListenAndEstablished) {
    if (!little_endian()) GTEST_SKIP() << "literal rows are in little-endian word order";
    std::string text =
        std::string(k_header) +
        "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
        "        0 12345 1 0000000000000000 100 0 0 10 0\n"
        "   1: 0500000A:C350 0101A8C0:1A0B 01 0000000A:00000002 02:000AFC3E 00000000  1000"
        "        0 67890 2 0000000000000000 20 4 30 10 -1\n";
    size_t bad = 99;
    auto rows = parse_proc_net_inet(text, AF_INET, &bad);
    EXPECT_EQ(bad, 0u);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].local_address, "127.0.0.1");
    EXPECT_EQ(rows[0].local_port, 22);
    EXPECT_EQ(rows[0].remote_address, "0.0.0.0");
    EXPECT_EQ(tcp_state_name(rows[0].state), "LISTEN");
    EXPECT_EQ(rows[0].inode, 12345u);
    EXPECT_EQ(rows[1].local_address, "10.0.0.5");
    EXPECT_EQ(rows[1].local_port, 50000);
    EXPECT_EQ(rows[1].remote_address, "192.168.1.1");
    EXPECT_EQ(rows[1].remote_port, 6667);  // IRC: the kind of peer triage looks for
    EXPECT_EQ(tcp_state_name(rows[1].state), "ESTABLISHED");
    EXPECT_EQ(rows[1].tx_queue, 10u);
    EXPECT_EQ(rows[1].rx_queue, 2u);
    EXPECT_EQ(rows[1].uid, 1000);
}

TEST(ProcNetInet, Ipv6LoopbackAndMappedV4) {
    if (!little_endian()) GTEST_SKIP() << "literal rows are in little-endian word order";
    std::string text =
        std::string(k_header) +
        "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 "
        "10 0\n"
        "   1: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000200007F:D431 01 "
        "00000000:00000000 00:00000000 00000000    33        0 222 1 0000000000000000 20 4 0 "
        "10 -1\n";
    auto rows = parse_proc_net_inet(text, AF_INET6);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].local_address, "::1");
    EXPECT_EQ(rows[0].local_port, 8080);
    EXPECT_EQ(rows[1].local_address, "::ffff:127.0.0.1");
    EXPECT_EQ(rows[1].remote_address, "::ffff:127.0.0.2");
    EXPECT_EQ(rows[1].remote_port, 54321);
    EXPECT_EQ(rows[1].uid, 33);
}

TEST(ProcNetInet, MalformedRowsAreCountedNotFatal) {
    std::string text =
        std::string(k_header) +
        "   0: 0100007F:0016 00000000:0000 0A\n"  // truncated
        "   1: 0100007G:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n"
        "   2: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 x 0 1\n"
        "   3: 00007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n"
        "   4: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 77\n"
        "\n";
    size_t bad = 0;
    auto rows = parse_proc_net_inet(text, AF_INET, &bad);
    EXPECT_EQ(bad, 4u);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].inode, 77u);
    EXPECT_TRUE(parse_proc_net_inet("", AF_INET).empty());
    EXPECT_TRUE(parse_proc_net_inet(k_header, AF_INET6).empty());
    EXPECT_EQ(tcp_state_name(0), "UNKNOWN_0");
    EXPECT_EQ(tcp_state_name(0x0C), "NEW_SYN_RECV");
}

TEST(ProcNetInet, FindsOwnListenerOnThisHost) {
    irsnap::test::LoopbackListener listener;
    std::ifstream in("/proc/net/tcp");
    std::stringstream text;
    text << in.rdbuf();
    size_t bad = 99;
    auto rows = parse_proc_net_inet(text.str(), AF_INET, &bad);
    EXPECT_EQ(bad, 0u);
    bool found = false;
    for (const auto& r : rows) {
        if (r.inode != listener.inode()) continue;
        found = true;
        EXPECT_EQ(r.local_address, "127.0.0.1");
        EXPECT_EQ(r.local_port, listener.port());
        EXPECT_EQ(tcp_state_name(r.state), "LISTEN");
        EXPECT_EQ(r.uid, getuid());
    }
    EXPECT_TRUE(found) << "own listener (inode " << listener.inode() << ") not in /proc/net/tcp";
}

TEST(ProcNetUnix, NamedAbstractUnnamedAndSpacesInPaths) {
    const std::string text =
        "Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/dbus/system_bus_socket\n"
        "0000000000000000: 00000003 00000000 00000000 0001 03  1056\n"
        "0000000000000000: 00000002 00000000 00010000 0005 01 777 @/tmp/.X11-unix/X0\n"
        "0000000000000000: 00000002 00000000 00000000 0002 01 888 /tmp/a b  c\n"
        "0000000000000000: 00000002 00000000 00000000 0002 01\n"       // truncated
        "0000000000000000: 00000002 00000000 0000000G 0002 01 9 /x\n"  // bad hex
        "garbage\n";
    size_t bad = 0;
    auto rows = parse_proc_net_unix(text, &bad);
    EXPECT_EQ(bad, 3u);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].inode, 12345u);
    EXPECT_EQ(rows[0].path, "/run/dbus/system_bus_socket");
    EXPECT_EQ(unix_state_name(rows[0].state, rows[0].flags), "LISTEN");
    EXPECT_EQ(unix_type_name(rows[0].type), "stream");
    EXPECT_EQ(rows[1].inode, 1056u);  // inode printed right-aligned: two spaces before it
    EXPECT_EQ(rows[1].path, "");
    EXPECT_EQ(unix_state_name(rows[1].state, rows[1].flags), "CONNECTED");
    EXPECT_EQ(rows[2].path, "@/tmp/.X11-unix/X0");
    EXPECT_EQ(unix_type_name(rows[2].type), "seqpacket");
    EXPECT_EQ(rows[3].path, "/tmp/a b  c");  // the kernel does not escape spaces
    EXPECT_EQ(unix_type_name(rows[3].type), "dgram");
    EXPECT_EQ(unix_state_name(rows[3].state, rows[3].flags), "UNCONNECTED");
    EXPECT_EQ(unix_type_name(9), "type_9");
    EXPECT_EQ(unix_state_name(9, 0), "UNKNOWN_9");
    EXPECT_TRUE(parse_proc_net_unix("").empty());
}

TEST(ProcNetUnix, LiveTableParsesCleanly) {
    std::ifstream in("/proc/net/unix");
    std::stringstream text;
    text << in.rdbuf();
    size_t bad = 99;
    parse_proc_net_unix(text.str(), &bad);
    EXPECT_EQ(bad, 0u);
}
