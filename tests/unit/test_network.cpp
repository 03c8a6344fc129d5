// SPDX-License-Identifier: Apache-2.0
// The network collector over the fixture tree (the /proc view alone) and the socket-link parser.
#include <fstream>

#include <gtest/gtest.h>

#include "fixture_util.hpp"
#include "irsnap/linux/proc_fd.hpp"
#include "irsnap/linux/proc_net.hpp"
#include "network/network.hpp"

namespace irsnap::test {
namespace {

TEST(SocketLink, OnlySocketLinksCarryAnInode) {
    EXPECT_EQ(procfs::parse_socket_link("socket:[12345]"), 12345u);
    EXPECT_FALSE(procfs::parse_socket_link("pipe:[12345]"));
    EXPECT_FALSE(procfs::parse_socket_link("socket:[]"));
    EXPECT_FALSE(procfs::parse_socket_link("socket:[12x]"));
    EXPECT_FALSE(procfs::parse_socket_link("socket:[1"));
    EXPECT_FALSE(procfs::parse_socket_link("/tmp/socket:[1]"));
    EXPECT_FALSE(procfs::parse_socket_link(""));
}

const nlohmann::json* find_port(const std::vector<nlohmann::json>& records, int port) {
    for (const auto& r : records) {
        if (r.contains("local_port") && r["local_port"] == port) return &r;  // may be null
    }
    return nullptr;
}

// Records wait for their owners already rendered; owners and escaped_fields are spliced into
// the text where they sort. MemorySink checks every line against nlohmann's own rendering.
TEST(NetworkCollector, OwnersSplicedIntoRenderedRecordsKeepKeyOrder) {
    TempDir tmp("irsnap-net");
    materialise_fixture("basic", tmp.path());
    const auto proc = tmp.path() / "proc";
    std::string stat = read_text_file(proc / "4242/stat");
    stat.replace(stat.find("(evil)"), 6, "(ev\xffil)");
    std::ofstream(proc / "4242/stat", std::ios::binary | std::ios::trunc) << stat;
    std::string unix_table = read_text_file(proc / "net/unix");
    unix_table.replace(unix_table.find("@evil backdoor"), 14, "@evil\xff backdoor");
    std::ofstream(proc / "net/unix", std::ios::binary | std::ios::trunc) << unix_table;

    MemorySink sink;
    collectors::collect_network(fixture_context(tmp.path()), sink);
    ASSERT_EQ(sink.records.size(), 7u);
    bool saw_unix = false, saw_tcp = false;
    for (const auto& r : sink.records) {
        if (r["inode"] == 45678) {  // its path and its owner's name escaped
            saw_unix = true;
            EXPECT_EQ(r["escaped_fields"], nlohmann::json::array({"local_address", "owners"}));
            EXPECT_EQ(r["local_address"], "@evil\\xff backdoor");
            EXPECT_EQ(r["owners"][0]["name"], "ev\\xffil) proc");  // comm was "evil) proc"
        } else if (r["inode"] == 23456) {                          // only its owner's name
            saw_tcp = true;
            EXPECT_EQ(r["escaped_fields"], nlohmann::json::array({"owners"}));
        } else if (r["inode"] == 12345) {  // nothing escaped: no marker
            EXPECT_FALSE(r.contains("escaped_fields")) << r.dump();
            EXPECT_EQ(r["owners"][0]["name"], "systemd");
        }
    }
    EXPECT_TRUE(saw_unix);
    EXPECT_TRUE(saw_tcp);
}

TEST(NetworkCollector, ProcViewOfTheFixtureWithOwners) {
    TempDir tmp("irsnap-net");
    materialise_fixture("basic", tmp.path());
    MemorySink sink;
    collectors::collect_network(fixture_context(tmp.path()), sink);
    // Own netns (pid 1, via proc/self): 3 tcp + 1 udp + 1 unix; pid 4242's netns: 1 tcp; and
    // socket 99999, which 4242 holds and no table lists.
    ASSERT_EQ(sink.records.size(), 7u);
    EXPECT_TRUE(sink.errors.empty());
    // Not the live /proc: the netlink view is not read, and coverage says so.
    ASSERT_EQ(sink.notes.size(), 1u);
    EXPECT_NE(sink.notes[0].find("netlink view not read"), std::string::npos);

    const auto* ssh = find_port(sink.records, 22);
    ASSERT_NE(ssh, nullptr);
    EXPECT_EQ((*ssh)["protocol"], "tcp");
    EXPECT_EQ((*ssh)["state"], "LISTEN");
    EXPECT_EQ((*ssh)["views"], nlohmann::json::array({"proc"}));
    EXPECT_EQ((*ssh)["cross_view_discrepancy"], false);  // one view only: nothing to compare
    ASSERT_EQ((*ssh)["owners"].size(), 1u);
    EXPECT_EQ((*ssh)["owners"][0]["pid"], 1);
    EXPECT_EQ((*ssh)["owners"][0]["fd"], 3);
    EXPECT_EQ((*ssh)["owners"][0]["name"], "systemd");

    const auto* irc = find_port(sink.records, 50000);
    ASSERT_NE(irc, nullptr);
    EXPECT_EQ((*irc)["remote_address"], "192.168.1.1");
    EXPECT_EQ((*irc)["remote_port"], 6667);
    ASSERT_EQ((*irc)["owners"].size(), 2u);  // one socket, two fds of the same process
    EXPECT_EQ((*irc)["owners"][1]["name"], "evil) proc");

    const auto* time_wait = find_port(sink.records, 50001);
    ASSERT_NE(time_wait, nullptr);
    EXPECT_EQ((*time_wait)["state"], "TIME_WAIT");
    EXPECT_EQ((*time_wait)["inode"], 0);
    EXPECT_TRUE((*time_wait)["owners"].empty());

    const auto* dns = find_port(sink.records, 53);
    ASSERT_NE(dns, nullptr);
    EXPECT_EQ((*dns)["protocol"], "udp");
    EXPECT_EQ((*dns)["state"], "CLOSE");
    EXPECT_EQ((*dns)["uid"], 101);

    const nlohmann::json* backdoor = nullptr;
    for (const auto& r : sink.records) {
        if (r["protocol"] == "unix") backdoor = &r;
    }
    ASSERT_NE(backdoor, nullptr);
    EXPECT_EQ((*backdoor)["local_address"], "@evil backdoor");
    EXPECT_EQ((*backdoor)["state"], "LISTEN");
    EXPECT_EQ((*backdoor)["socket_type"], "stream");
    ASSERT_EQ((*backdoor)["owners"].size(), 1u);
    EXPECT_EQ((*backdoor)["owners"][0]["pid"], 4242);
    EXPECT_EQ((*backdoor)["owners"][0]["fd"], 8);
    EXPECT_EQ((*backdoor)["netns"], 4026531840u);
}

TEST(NetworkCollector, EveryNamespaceIsReadThroughAProcessInIt) {
    TempDir tmp("irsnap-net");
    materialise_fixture("basic", tmp.path());
    MemorySink sink;
    collectors::collect_network(fixture_context(tmp.path()), sink);
    const auto* container = find_port(sink.records, 8080);
    ASSERT_NE(container, nullptr);
    EXPECT_EQ((*container)["netns"], 4026532999u);  // pid 4242's namespace, not ours
    EXPECT_EQ((*container)["state"], "LISTEN");
    ASSERT_EQ((*container)["owners"].size(), 1u);
    EXPECT_EQ((*container)["owners"][0]["pid"], 4242);
    EXPECT_EQ((*container)["owners"][0]["fd"], 9);
    EXPECT_EQ((*find_port(sink.records, 22))["netns"], 4026531840u);
}

TEST(NetworkCollector, SocketHeldButInNoTableIsADiscrepancy) {
    TempDir tmp("irsnap-net");
    materialise_fixture("basic", tmp.path());
    MemorySink sink;
    collectors::collect_network(fixture_context(tmp.path()), sink);
    const nlohmann::json* unlisted = nullptr;
    for (const auto& r : sink.records) {
        if (r["inode"] == 99999) unlisted = &r;
    }
    ASSERT_NE(unlisted, nullptr);
    EXPECT_EQ((*unlisted)["protocol"], "unknown");
    EXPECT_EQ((*unlisted)["cross_view_discrepancy"], true);
    EXPECT_EQ((*unlisted)["views"], nlohmann::json::array());
    ASSERT_EQ((*unlisted)["owners"].size(), 1u);
    EXPECT_EQ((*unlisted)["owners"][0]["pid"], 4242);
    EXPECT_EQ((*unlisted)["owners"][0]["fd"], 12);
    // Every other socket is in some table: exactly one such report.
    int discrepancies = 0;
    for (const auto& r : sink.records) discrepancies += r["cross_view_discrepancy"] == true;
    EXPECT_EQ(discrepancies, 1);
}

TEST(NetworkCollector, PacketSocketsFromProcNetPacket) {
    const std::string text =
        "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"
        "ffff8881034c3800 3      3    0003   0     1 0      0      31337\n"
        "ffff8881034c4000 3      2    0800   2     0 0      101    31338\n"
        "ffff8881034c4800 3      3    zz     2     1 0      0      1\n";
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_packet(text, &malformed);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(malformed, 1u);
    EXPECT_EQ(rows[0].type, 3);
    EXPECT_EQ(rows[0].protocol, 3);  // ETH_P_ALL: a sniffer
    EXPECT_EQ(rows[0].ifindex, 0);
    EXPECT_TRUE(rows[0].running);
    EXPECT_EQ(rows[0].inode, 31337u);
    EXPECT_EQ(rows[1].protocol, 0x0800);
    EXPECT_EQ(rows[1].ifindex, 2);
    EXPECT_FALSE(rows[1].running);
    EXPECT_EQ(rows[1].uid, 101);
}

TEST(NetworkCollector, NetlinkTableInodes) {
    const std::string text =
        "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
        "ffff888100a3e000 0   1          00000551 0        0        0     2        0        15360\n"
        "ffff888100a3e800 4   4294962147 00000000 0        0        0     2        0        20001\n"
        "short line\n";
    size_t malformed = 0;
    auto rows = procfs::parse_proc_net_netlink(text, &malformed);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(malformed, 1u);
    EXPECT_EQ(rows[0].protocol, 0);
    EXPECT_EQ(rows[0].port_id, 1u);
    EXPECT_EQ(rows[0].inode, 15360u);
    EXPECT_EQ(rows[1].protocol, 4);  // NETLINK_SOCK_DIAG
    EXPECT_EQ(rows[1].port_id, 4294962147u);
}

}  // namespace
}  // namespace irsnap::test
