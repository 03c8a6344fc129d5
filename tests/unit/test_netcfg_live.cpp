// SPDX-License-Identifier: Apache-2.0
// The network-state collectors on this live host: loopback, the local route, /etc/hosts hashed
// exactly, the neighbour cache read without errors, and the two route views agreeing.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include "fixture_util.hpp"
#include "interfaces/interfaces.hpp"
#include "irsnap/text.hpp"
#include "neighbors/neighbors.hpp"
#include "network_config/network_config.hpp"
#include "routes/routes.hpp"

namespace irsnap::test {
namespace {

using nlohmann::json;

MemorySink run_live(CollectFn collect) {
    Context ctx;  // /proc and / of this host
    MemorySink sink;
    collect(ctx, sink);
    return sink;
}

std::string errors_text(const MemorySink& sink) {
    std::string out;
    for (const auto& e : sink.errors) out += e.stage + " " + e.path + ": " + e.message + "\n";
    return out;
}

TEST(NetcfgLive, LoopbackHasItsAddressAndFlag) {
    MemorySink sink = run_live(collectors::collect_interfaces);
    EXPECT_TRUE(sink.errors.empty()) << errors_text(sink);
    const json* lo = nullptr;
    for (const auto& r : sink.records) {
        if (r["flags"].is_array()) {
            for (const auto& f : r["flags"]) {
                if (f == "LOOPBACK") lo = &r;
            }
        }
    }
    ASSERT_NE(lo, nullptr) << "no interface with LOOPBACK";
    bool has_127 = false;
    for (const auto& a : (*lo)["addresses"]) {
        has_127 = has_127 ||
                  (a["address"] == "127.0.0.1" && a["prefix_length"] == 8 && a["family"] == "ipv4");
    }
    EXPECT_TRUE(has_127) << lo->dump();
    EXPECT_EQ((*lo)["views"], json::array({"netlink", "proc"}));
    EXPECT_EQ((*lo)["cross_view_discrepancy"], false);
}

TEST(NetcfgLive, LocalTableRouteForLoopbackAndViewsAgree) {
    MemorySink sink = run_live(collectors::collect_routes);
    EXPECT_TRUE(sink.errors.empty()) << errors_text(sink);
    bool local = false;
    for (const auto& r : sink.records) {
        local = local || (r["destination"] == "127.0.0.0/8" && r["table"] == "local");
        // A quiet host: every IPv4 route /proc/net/route prints is also in netlink and back.
        if (r["family"] == "ipv4") {
            EXPECT_EQ(r["cross_view_discrepancy"], false) << r.dump();
            if (r["table"] == "main" && r["type"] == "unicast")
                EXPECT_EQ(r["views"], json::array({"netlink", "proc"})) << r.dump();
        }
    }
    EXPECT_TRUE(local) << "no 127.0.0.0/8 route in table local";
}

TEST(NetcfgLive, EtcHostsDigestMatchesAnIndependentSha256) {
    const std::string bytes = read_text_file("/etc/hosts");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ASSERT_EQ(EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr), 1);
    MemorySink sink = run_live(collectors::collect_network_config);
    for (const auto& r : sink.records) {
        if (r["path"] != "/etc/hosts") continue;
        EXPECT_EQ(r["sha256"], to_hex(md, len));
        EXPECT_EQ(r["size"], bytes.size());
        return;
    }
    FAIL() << "/etc/hosts not reported";
}

TEST(NetcfgLive, NeighboursReadWithoutErrors) {
    MemorySink routes = run_live(collectors::collect_routes);
    bool has_default = false;
    for (const auto& r : routes.records)
        has_default = has_default || r["destination"] == "0.0.0.0/0";
    MemorySink sink = run_live(collectors::collect_neighbors);
    EXPECT_TRUE(sink.errors.empty()) << errors_text(sink);
    if (!has_default) GTEST_SKIP() << "no default gateway: nothing more to expect";
    for (const auto& r : sink.records) {
        if (r["family"] == "ipv4") EXPECT_EQ(r["cross_view_discrepancy"], false) << r.dump();
    }
}

}  // namespace
}  // namespace irsnap::test
