// SPDX-License-Identifier: Apache-2.0
// The four network-state collectors over the "netcfg" fixture tree (the /proc view alone, and
// configuration files behind a resolv.conf symlink into /run), compared with tests/golden/.
#include <gtest/gtest.h>

#include "fixture_util.hpp"
#include "golden_util.hpp"
#include "interfaces/interfaces.hpp"
#include "neighbors/neighbors.hpp"
#include "network_config/network_config.hpp"
#include "routes/routes.hpp"

namespace irsnap::test {
namespace {

/// Times, owner and mode come from the checkout, not from the fixture.
nlohmann::json normalise(nlohmann::json record) {
    for (auto key : {"mtime", "ctime", "owner_uid", "mode"}) {
        if (record.contains(key) && !record[key].is_null()) record[key] = "<checkout-specific>";
    }
    return record;
}

MemorySink run(CollectFn collect) {
    TempDir tmp("irsnap-netcfg");
    materialise_fixture("netcfg", tmp.path());
    MemorySink sink;
    collect(fixture_context(tmp.path()), sink);
    return sink;
}

const nlohmann::json* find(const MemorySink& sink, const char* key, const std::string& value) {
    for (const auto& r : sink.records) {
        if (r.contains(key) && r[key] == value) return &r;
    }
    return nullptr;
}

bool notes_mention(const MemorySink& sink, const std::string& text) {
    for (const auto& n : sink.notes) {
        if (n.find(text) != std::string::npos) return true;
    }
    return false;
}

TEST(GoldenNetcfg, Neighbors) {
    MemorySink sink = run(collectors::collect_neighbors);
    ASSERT_EQ(sink.records.size(), 3u);  // IPv4 from /proc/net/arp only; one row malformed
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].stage, "parse");
    EXPECT_TRUE(notes_mention(sink, "netlink view not read"));
    const auto* gw = find(sink, "address", "192.0.2.1");
    ASSERT_NE(gw, nullptr);
    EXPECT_EQ((*gw)["mac"], "02:fc:00:00:00:05");
    EXPECT_EQ((*gw)["views"], nlohmann::json::array({"proc"}));
    EXPECT_EQ((*gw)["cross_view_discrepancy"], false);
    EXPECT_TRUE(find(sink, "address", "192.0.2.77")->at("mac").is_null());  // incomplete
    compare_with_golden("neighbors_netcfg.jsonl", sink.records, normalise);
}

TEST(GoldenNetcfg, Routes) {
    MemorySink sink = run(collectors::collect_routes);
    EXPECT_TRUE(sink.errors.empty());
    // 3 IPv4 + 3 IPv6; the IPv6 null entry is a placeholder, not a route.
    ASSERT_EQ(sink.records.size(), 6u);
    const auto* def = find(sink, "destination", "0.0.0.0/0");
    ASSERT_NE(def, nullptr);
    EXPECT_EQ((*def)["gateway"], "192.0.2.1");
    EXPECT_EQ((*def)["table"], "main");
    EXPECT_EQ((*def)["metric"], 100);
    const auto* v6def = find(sink, "destination", "::/0");
    ASSERT_NE(v6def, nullptr);
    EXPECT_EQ((*v6def)["gateway"], "fd00::1");
    EXPECT_TRUE((*v6def)["table"].is_null());
    compare_with_golden("routes_netcfg.jsonl", sink.records, normalise);
}

TEST(GoldenNetcfg, Interfaces) {
    MemorySink sink = run(collectors::collect_interfaces);
    EXPECT_TRUE(sink.errors.empty());
    EXPECT_TRUE(notes_mention(sink, "IPv4 addresses not read"));
    ASSERT_EQ(sink.records.size(), 3u);
    const auto* eth0 = find(sink, "name", "eth0");
    ASSERT_NE(eth0, nullptr);
    EXPECT_EQ((*eth0)["rx_bytes"], 24642855);
    EXPECT_EQ((*eth0)["addresses"].size(), 2u);
    EXPECT_TRUE((*eth0)["promiscuous"].is_null());  // /proc/net/dev shows no flags
    compare_with_golden("interfaces_netcfg.jsonl", sink.records, normalise);
}

TEST(GoldenNetcfg, NetworkConfig) {
    MemorySink sink = run(collectors::collect_network_config);
    EXPECT_TRUE(sink.errors.empty());
    const auto* resolv = find(sink, "path", "/etc/resolv.conf");
    ASSERT_NE(resolv, nullptr);
    EXPECT_EQ((*resolv)["is_symlink"], true);
    EXPECT_EQ((*resolv)["link_target"], "../run/resolvconf/resolv.conf");
    EXPECT_EQ((*resolv)["entries"][0]["keyword"], "nameserver");
    EXPECT_EQ((*resolv)["entries"][0]["values"][0], "10.8.0.1");
    // The link climbing far above the root is read inside it: the fixture's passwd file.
    const auto* gai = find(sink, "path", "/etc/gai.conf");
    ASSERT_NE(gai, nullptr);
    EXPECT_EQ((*gai)["content"], "root:x:0:0:root:/root:/bin/bash\n");
    const auto* hosts = find(sink, "path", "/etc/hosts");
    ASSERT_NE(hosts, nullptr);
    EXPECT_EQ((*hosts)["entries"][2]["names"][0], "update.microsoft.com");
    compare_with_golden("network_config_netcfg.jsonl", sink.records, normalise);
}

}  // namespace
}  // namespace irsnap::test
