// SPDX-License-Identifier: Apache-2.0
// The verdict of the netlink -> /proc -> netlink reconciliation shared by the neighbours, routes
// and interfaces collectors: a live quiet host never exercises the findings, so they are pinned
// here.
#include <gtest/gtest.h>

#include "netstate/cross_view.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

TEST(CrossView, HiddenFromProcWhenBothDumpsSawIt) {
    auto v = judge(true, false, true, true, true, true, "/proc/net/arp");
    ASSERT_TRUE(v.discrepancy.has_value());
    EXPECT_EQ(*v.discrepancy, "hidden from /proc/net/arp");
    EXPECT_EQ(v.views, json::array({"netlink"}));
    EXPECT_FALSE(v.churn);
}

TEST(CrossView, MissingFromNetlinkWhenOnlyProcSawIt) {
    auto v = judge(false, true, false, true, true, true, "/proc/net/route");
    ASSERT_TRUE(v.discrepancy.has_value());
    EXPECT_EQ(*v.discrepancy, "missing from netlink");
    EXPECT_EQ(v.views, json::array({"proc"}));
}

TEST(CrossView, ChurnIsARaceNotAFinding) {
    for (bool first : {true, false}) {
        auto v = judge(first, false, !first, true, true, true, "/proc/net/dev");
        EXPECT_FALSE(v.discrepancy.has_value());
        EXPECT_TRUE(v.churn);
    }
}

TEST(CrossView, NoFindingWhereAViewNeverListsSuchEntries) {
    // A local-table route is not in /proc/net/route; a proxy ARP entry is not in the dump.
    EXPECT_FALSE(judge(true, false, true, true, false, true, "x").discrepancy.has_value());
    EXPECT_FALSE(judge(false, true, false, true, true, false, "x").discrepancy.has_value());
}

TEST(CrossView, NothingIsJudgedWithoutBothViews) {
    auto v = judge(false, true, false, false, true, true, "x");
    EXPECT_FALSE(v.discrepancy.has_value());
    EXPECT_FALSE(v.churn);
    EXPECT_EQ(v.views, json::array({"proc"}));
    auto all = judge(true, true, true, true, true, true, "x");
    EXPECT_FALSE(all.discrepancy.has_value());
    EXPECT_EQ(all.views, json::array({"netlink", "proc"}));
}

TEST(CrossView, FirstSightingKeepsItsRow) {
    CrossView<int, std::string> view;
    using S = CrossView<int, std::string>::Sighting;
    view.mark(std::optional<std::vector<std::string>>({"netlink-row"}), &S::first,
              [](const std::string&) { return 1; });
    view.mark(std::optional<std::vector<std::string>>({"proc-row"}), &S::proc,
              [](const std::string&) { return 1; });
    view.mark(std::nullopt, &S::second, [](const std::string&) { return 1; });
    ASSERT_EQ(view.seen().size(), 1u);
    const auto& s = view.seen().at(1);
    EXPECT_EQ(s.row, "netlink-row");
    EXPECT_TRUE(s.first && s.proc && !s.second);
}

}  // namespace
}  // namespace irsnap::collectors
