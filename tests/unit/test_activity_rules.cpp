// SPDX-License-Identifier: Apache-2.0
// The observation window's rules (IRS-ACT-001 to 005) over literal `activity` records, built as
// collectors/activity/activity_recorder.cpp builds them: what must fire, what must not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "irsnap/triage.hpp"
#include "triage_test_util.hpp"

namespace irsnap::triage {
namespace {

using test::input_of;
using test::of_rule;

constexpr int64_t k_act_second = 1000000000;

/// An outbound connect as the recorder writes it, at `seconds` on the monotonic clock.
std::string act_connect(double seconds, int64_t pid, const std::string& exe,
                        const std::string& remote, int remote_port, int local_port = 40000) {
    return fmt::format(
        R"({{"kind":"connection","time":"2026-12-06T06:00:00.000000Z","monotonic_ns":{},"event":"connect","source":"bpf","protocol":"tcp","family":"ipv4","local_address":"10.0.0.5","local_port":{},"remote_address":"{}","remote_port":{},"old_state":"CLOSE","new_state":"SYN_SENT","direction":"outbound","pid":{},"process":"{}","exe":"{}"}})",
        static_cast<int64_t>(seconds * k_act_second), local_port, remote, remote_port, pid,
        exe.substr(exe.rfind('/') + 1), exe);
}

/// Connects at the given instants (seconds), one local port each.
std::vector<std::string> act_series(const std::vector<double>& at, int64_t pid,
                                    const std::string& exe, const std::string& remote, int port) {
    std::vector<std::string> lines;
    for (size_t i = 0; i < at.size(); ++i) {
        lines.push_back(act_connect(at[i], pid, exe, remote, port, 40000 + static_cast<int>(i)));
    }
    return lines;
}

bool act_says(const Finding& f, const std::string& text) {
    return f.why.find(text) != std::string::npos;
}

TEST(ActivityRules, RegularBeaconIsNamedWithItsProcessAndInterval) {
    // Every 2 s, a few milliseconds early or late.
    auto in = input_of({{"activity", act_series({100.0, 102.01, 103.98, 106.0, 108.02}, 4242,
                                                "/usr/local/bin/updater", "203.0.113.9", 443)}});
    auto f = of_rule(in, "IRS-ACT-001");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].urgency, Urgency::high);
    EXPECT_EQ(f[0].confidence, Confidence::medium);  // 443, from /usr/local/bin
    EXPECT_TRUE(act_says(f[0], "pid 4242 (updater) /usr/local/bin/updater")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "tcp 203.0.113.9:443")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "5 times")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "every 2.0 s")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "jitter 0.01")) << f[0].why;
    ASSERT_FALSE(f[0].evidence.empty());
    EXPECT_EQ(f[0].evidence[0].line, 1u);
    EXPECT_EQ(f[0].evidence[0].fields["pid"], 4242);
    EXPECT_EQ(f[0].evidence[0].fields["exe"], "/usr/local/bin/updater");
}

TEST(ActivityRules, IrregularOrTooFewConnectsAreNoBeacon) {
    // Intervals 1, 9, 2, 30 s: a person or an event, not a timer.
    auto irregular = input_of(
        {{"activity", act_series({0, 1, 10, 12, 42}, 7, "/usr/bin/curl", "203.0.113.9", 443)}});
    EXPECT_TRUE(of_rule(irregular, "IRS-ACT-001").empty());
    auto three = input_of(
        {{"activity", act_series({0, 2, 4}, 7, "/usr/local/bin/updater", "203.0.113.9", 443)}});
    EXPECT_TRUE(of_rule(three, "IRS-ACT-001").empty());
    // Two connects within a second are one call: 4 connects, 3 calls.
    auto bursts = input_of({{"activity", act_series({0, 0.2, 2, 4}, 7, "/usr/local/bin/updater",
                                                    "203.0.113.9", 443)}});
    EXPECT_TRUE(of_rule(bursts, "IRS-ACT-001").empty());
}

TEST(ActivityRules, BeaconConfidenceAndUrgencyFollowTheDestinationAndProgram) {
    // A missed call (a 20 s gap in 10 s calls) is left out; /tmp and port 8081 make it high.
    auto planted = input_of({{"activity", act_series({0, 10, 20, 40, 50, 60}, 99, "/tmp/.x/agent",
                                                     "198.51.100.7", 8081)}});
    auto f = of_rule(planted, "IRS-ACT-001");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].confidence, Confidence::high);
    EXPECT_TRUE(act_says(f[0], "farthest from the median left out")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "temporary place")) << f[0].why;
    // A local health check: still listed, at medium.
    auto local = input_of(
        {{"activity", act_series({0, 5, 10, 15}, 3, "/usr/bin/monitor", "127.0.0.1", 443)}});
    auto l = of_rule(local, "IRS-ACT-001");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].urgency, Urgency::medium);
    EXPECT_TRUE(act_says(l[0], "loopback")) << l[0].why;
}

std::string act_query(double seconds, int64_t pid, const std::string& name,
                      const std::string& type = "A") {
    return fmt::format(
        R"({{"kind":"dns","time":"2026-12-06T06:00:00.000000Z","monotonic_ns":{},"event":"query","source":"wire","protocol":"udp","query":"{}","query_type":"{}","transaction_id":7,"client_address":"10.0.0.5","client_port":5353,"server_address":"10.0.0.1","pid":{},"process":"p{}"}})",
        static_cast<int64_t>(seconds * k_act_second), name, type, pid, pid);
}

TEST(ActivityRules, ShortLivedChildThatConnectedIsNamedWithArgvAndDigest) {
    const std::string sha(64, 'a');
    auto in = input_of(
        {{"activity",
          {fmt::format(
               R"({{"kind":"process","time":"2026-12-06T06:00:01.000000Z","monotonic_ns":1000000000,"event":"exec","source":"proc_connector","pid":5000,"ppid":4999,"uid":0,"process":"stage","exe":"/tmp/stage","argv":["/tmp/stage","--fetch","http://203.0.113.9/x"],"argv_truncated":false,"sha256":"{}","read_via":"/proc/PID/exe"}})",
               sha),
           act_connect(1.1, 5000, "/tmp/stage", "203.0.113.9", 80),
           R"({"kind":"process","time":"2026-12-06T06:00:01.300000Z","monotonic_ns":1300000000,"event":"exit","source":"proc_connector","pid":5000,"ppid":4999,"exit_code":0,"lifetime_ms":300})",
           // Long-lived and connected; short-lived and silent: neither is a finding.
           R"({"kind":"process","monotonic_ns":1000000000,"event":"exec","pid":6000,"process":"apt","exe":"/usr/bin/apt","argv":["apt"],"sha256":"bb"})",
           act_connect(1.2, 6000, "/usr/bin/apt", "203.0.113.10", 80),
           R"({"kind":"process","monotonic_ns":61000000000,"event":"exit","pid":6000,"lifetime_ms":60000})",
           R"({"kind":"process","monotonic_ns":1000000000,"event":"exec","pid":7000,"process":"true","exe":"/usr/bin/true","argv":["true"],"sha256":"cc"})",
           R"({"kind":"process","monotonic_ns":1001000000,"event":"exit","pid":7000,"lifetime_ms":1})"}}});
    auto f = of_rule(in, "IRS-ACT-002");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(act_says(f[0], "pid 5000 (stage) /tmp/stage lived 300 ms")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "connected to tcp 203.0.113.9:80")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "/tmp/stage --fetch http://203.0.113.9/x")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], sha)) << f[0].why;
    EXPECT_EQ(f[0].urgency, Urgency::high);  // from /tmp
    ASSERT_EQ(f[0].evidence.size(), 3u);     // exec, connect, exit
    EXPECT_EQ(f[0].evidence[0].fields["sha256"], sha);
    EXPECT_EQ(f[0].evidence[0].fields["argv"][1], "--fetch");
    EXPECT_EQ(f[0].evidence[2].line, 3u);
}

TEST(ActivityRules, ShortLivedRunsThatOnlyAskedDnsCountAndAreOneFindingPerProgram) {
    std::vector<std::string> lines;
    for (int pid = 8000; pid < 8003; ++pid) {
        lines.push_back(fmt::format(
            R"({{"kind":"process","monotonic_ns":1000000000,"event":"exec","pid":{},"process":"check","exe":"/usr/lib/check","argv":["check"],"sha256":"dd"}})",
            pid));
        lines.push_back(act_query(1.05, pid, "update.example"));
        lines.push_back(fmt::format(
            R"({{"kind":"process","monotonic_ns":1200000000,"event":"exit","pid":{},"lifetime_ms":200}})",
            pid));
    }
    auto f = of_rule(input_of({{"activity", lines}}), "IRS-ACT-002");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].urgency, Urgency::medium);
    EXPECT_EQ(f[0].confidence, Confidence::low);
    EXPECT_TRUE(act_says(f[0], "asked for update.example")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "2 more short runs")) << f[0].why;
    EXPECT_EQ(f[0].evidence.size(), 9u);  // three runs' exec, query and exit
}

TEST(ActivityRules, NamesAskedOnceAreOneLowFindingPerProcess) {
    std::vector<std::string> lines = {
        act_query(1, 10, "a.example"),
        act_query(1.1, 10, "A.Example.", "AAAA"),  // the same lookup's AAAA
        act_query(2, 10, "b.example"),
        act_query(3, 11, "common.example"),
        act_query(4, 12, "common.example"),  // two processes asked
        act_query(5, 10, "again.example"),
        act_query(50, 10, "again.example"),  // asked again later
        act_query(6, 10, "9.0.0.10.in-addr.arpa", "PTR"),
    };
    for (int i = 0; i < 30; ++i)
        lines.push_back(act_query(7, 20, fmt::format("n{}.dga.example", i)));
    auto f = of_rule(input_of({{"activity", lines}}), "IRS-ACT-003");
    ASSERT_EQ(f.size(), 2u);  // pid 10 and pid 20, nothing for 11 and 12
    const Finding& ten = act_says(f[0], "pid 10 ") ? f[0] : f[1];
    const Finding& twenty = act_says(f[0], "pid 20 ") ? f[0] : f[1];
    EXPECT_EQ(ten.urgency, Urgency::low);
    EXPECT_EQ(ten.confidence, Confidence::low);
    EXPECT_TRUE(act_says(ten, "2 names")) << ten.why;
    EXPECT_TRUE(act_says(ten, "a.example, b.example")) << ten.why;
    EXPECT_FALSE(act_says(ten, "again")) << ten.why;
    EXPECT_FALSE(act_says(ten, "arpa")) << ten.why;
    EXPECT_TRUE(act_says(twenty, "30 names")) << twenty.why;
    EXPECT_TRUE(act_says(twenty, "and 10 more")) << twenty.why;  // the list is bounded
    EXPECT_LE(twenty.evidence.size(), 10u);
}

TEST(ActivityRules, ConnectsToIrcSmtpAndUnusualPorts) {
    auto in = input_of({{"activity",
                         {act_connect(1, 50, "/tmp/bot", "192.0.2.66", 6667),
                          act_connect(2, 50, "/tmp/bot", "192.0.2.66", 6667),
                          act_connect(3, 51, "/usr/bin/mailer", "192.0.2.25", 25),
                          act_connect(4, 52, "/usr/bin/app", "192.0.2.80", 47001),
                          act_connect(5, 53, "/usr/bin/curl", "192.0.2.80", 443)}}});
    auto f = of_rule(in, "IRS-ACT-004");
    ASSERT_EQ(f.size(), 3u);  // most urgent first
    EXPECT_EQ(f[0].urgency, Urgency::high);
    EXPECT_TRUE(act_says(f[0], "pid 50 (bot) /tmp/bot connected to tcp 192.0.2.66:6667 2 times"))
        << f[0].why;
    EXPECT_TRUE(act_says(f[0], "IRC")) << f[0].why;
    EXPECT_EQ(f[0].evidence.size(), 2u);
    EXPECT_EQ(f[1].urgency, Urgency::medium);
    EXPECT_TRUE(act_says(f[1], "SMTP")) << f[1].why;
    EXPECT_EQ(f[2].urgency, Urgency::low);
    EXPECT_TRUE(act_says(f[2], ":47001")) << f[2].why;
    // A host that listens for mail sends it: no SMTP finding.
    in.records["network"].push_back(
        {"artifacts/02_network.jsonl", 1,
         nlohmann::json::parse(
             R"({"protocol":"tcp","local_address":"0.0.0.0","local_port":25,"state":"LISTEN"})")});
    EXPECT_EQ(of_rule(in, "IRS-ACT-004").size(), 2u);
}

std::string act_flow(const std::string& direction, int local_port, int packets_out, int packets_in,
                     const std::string& socket_seen = "false") {
    return fmt::format(
        R"({{"kind":"flow","time":"2026-12-06T06:00:00.000000Z","monotonic_ns":1,"last_time":"2026-12-06T06:00:01.000000Z","source":"wire","protocol":"tcp","family":"ipv4","local_address":"10.0.0.5","local_port":{},"remote_address":"198.51.100.9","remote_port":51000,"direction":"{}","packets_out":{},"packets_in":{},"bytes_out":0,"bytes_in":60,"tcp_flags":["SYN"],"interface":"eth0","netns":4026531840,"socket_seen":{},"socket_views":[]}})",
        local_port, direction, packets_out, packets_in, socket_seen);
}

TEST(ActivityRules, OutboundTrafficWithoutASocketIsHigh) {
    auto in = input_of({{"activity",
                         {act_flow("outbound", 31000, 3, 0),
                          act_flow("outbound", 31001, 3, 0, "true"),      // a socket held it
                          act_flow("outbound", 31002, 3, 0, "null")}}});  // not known
    auto f = of_rule(in, "IRS-ACT-005");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].urgency, Urgency::high);
    EXPECT_EQ(f[0].confidence, Confidence::medium);
    EXPECT_TRUE(act_says(f[0], "port 31000")) << f[0].why;
    EXPECT_TRUE(act_says(f[0], "NAT")) << f[0].why;
    EXPECT_EQ(f[0].evidence[0].line, 1u);
}

TEST(ActivityRules, InboundOnlyIsLowUnlessARawSocketWasHeld) {
    const std::string probe = act_flow("inbound", 22222, 0, 1);
    auto scan = input_of({{"activity", {probe}}});
    auto low = of_rule(scan, "IRS-ACT-005");
    ASSERT_EQ(low.size(), 1u);
    EXPECT_EQ(low[0].urgency, Urgency::low);
    // dhclient's packet socket is no listener of this kind.
    auto dhcp = input_of(
        {{"activity",
          {probe,
           R"({"kind":"raw_socket","protocol":"packet","socket_type":"packet","inode":9,"owners":[{"pid":300,"name":"dhclient"}]})"}}});
    EXPECT_EQ(of_rule(dhcp, "IRS-ACT-005")[0].urgency, Urgency::low);
    auto door = input_of(
        {{"activity",
          {probe,
           R"({"kind":"raw_socket","protocol":"packet","socket_type":"packet","inode":10,"owners":[{"pid":777,"name":"dbus-daemon"}]})"}}});
    auto high = of_rule(door, "IRS-ACT-005");
    ASSERT_EQ(high.size(), 1u);
    EXPECT_EQ(high[0].urgency, Urgency::high);
    EXPECT_TRUE(act_says(high[0], "pid 777 (dbus-daemon, packet socket)")) << high[0].why;
    EXPECT_TRUE(act_says(high[0], "BPFDoor")) << high[0].why;
    ASSERT_EQ(high[0].evidence.size(), 2u);  // the flow and the raw socket
    EXPECT_EQ(high[0].evidence[1].line, 2u);
}

}  // namespace
}  // namespace irsnap::triage
