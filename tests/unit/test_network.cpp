// SPDX-License-Identifier: Apache-2.0
// The network collector over the fixture tree (the /proc view alone) and the socket-link parser.
#include <gtest/gtest.h>

#include "fixture_util.hpp"
#include "network/network.hpp"
#include "platform/linux/proc_fd.hpp"

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
        if (r["local_port"] == port) return &r;
    }
    return nullptr;
}

TEST(NetworkCollector, ProcViewOfTheFixtureWithOwners) {
    TempDir tmp("irsnap-net");
    materialise_fixture("basic", tmp.path());
    MemorySink sink;
    collectors::collect_network(fixture_context(tmp.path()), sink);
    ASSERT_EQ(sink.records.size(), 5u);  // 3 tcp + 1 udp + 1 unix; no v6/udplite/raw files
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
}

}  // namespace
}  // namespace irsnap::test
