// SPDX-License-Identifier: Apache-2.0
// The observation window under Wine: irsnap.exe collect --observe 4 --collectors activity while
// the test program's beacon (wine_child.cpp --beacon) connects to its own loopback listener once
// a second, holds the connection 300 ms, and starts a copy of itself that lives 300 ms
// (tests/windows/wine_session.sh). The 100 ms poll must see both, and the window must end on
// time with a bundle the Linux build verifies.
#include <algorithm>
#include <iostream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_util.hpp"
#include "wine_e2e.hpp"

namespace irsnap::test {
namespace {

using nlohmann::json;

constexpr int k_beacon_port = 47124;  // wine_end_to_end.cpp's port + 1

std::vector<json> observe_records() {
    return read_jsonl(artifact(session().observe_bundle, "activity"));
}

bool observe_has(const json& list, const std::string& value) {
    return list.is_array() && std::find(list.begin(), list.end(), value) != list.end();
}

TEST_F(WindowsWine, ObserveEndsCompleteWithOneWindowRecordAndTheBundleVerifies) {
    ASSERT_FALSE(session().observe_bundle.empty()) << "no --observe bundle";
    // 1: partial, as the coverage says what polling cannot see (no capture, short-lived items).
    const int rc = read_rc(session().work / "observe.rc");
    EXPECT_TRUE(rc == 0 || rc == 1) << rc;
    EXPECT_EQ(run_command({irsnap_binary(), "verify", session().observe_bundle.string()}).exit_code,
              0);
    const auto records = observe_records();
    ASSERT_FALSE(records.empty());
    const json& w = records.back();
    ASSERT_EQ(w.value("kind", ""), "window") << w.dump();
    EXPECT_EQ(std::count_if(records.begin(), records.end(),
                            [](const json& r) { return r.value("kind", "") == "window"; }),
              1);
    EXPECT_EQ(w.value("status", ""), "complete") << w.dump();
    EXPECT_EQ(w.value("seconds_requested", 0), 4);
    EXPECT_GE(w.value("seconds", 0.0), 3.9) << w.dump();
    EXPECT_LT(w.value("seconds", 0.0), 6.0) << w.dump();
    EXPECT_EQ(w.value("poll_interval_ms", 0), 100);
    EXPECT_EQ(w.value("events_lost", -1), 0);
    for (const char* source : {"poll/processes", "poll/tcp", "poll/udp"}) {
        EXPECT_TRUE(observe_has(w["event_sources"], source)) << w.dump();
    }
    const json m = json::parse(read_file(session().observe_bundle / "manifest.json"));
    bool listed = false;
    for (const auto& c : m["collectors"]) {
        if (c.value("name", "") != "activity") continue;
        listed = true;
        const std::string coverage = c["coverage"].dump();
        EXPECT_NE(coverage.find("no packet capture"), std::string::npos) << c.dump();
        EXPECT_NE(coverage.find("shorter than 100 ms"), std::string::npos) << c.dump();
    }
    EXPECT_TRUE(listed);
    // The budget figure (CPU of the poll over the window), for the log of this test run.
    const std::string log = read_file(session().observe_bundle / "collection.log");
    const auto at = log.find("CPU of the poll");
    if (at != std::string::npos) {
        const auto line = log.rfind('\n', at) + 1;
        std::cout << "[ observe  ] " << log.substr(line, log.find('\n', at) - line) << "\n";
    }
}

// --timeout-per-collector shorter than the window: it ends at the deadline, says so, and the
// bundle is whole.
TEST_F(WindowsWine, ObserveEndsAtTheTimeoutWithAValidBundle) {
    ASSERT_FALSE(session().observe_timeout_bundle.empty()) << "no --timeout-per-collector bundle";
    EXPECT_EQ(read_rc(session().work / "observe_timeout.rc"), 1);
    EXPECT_EQ(run_command({irsnap_binary(), "verify", session().observe_timeout_bundle.string()})
                  .exit_code,
              0);
    const auto records = read_jsonl(artifact(session().observe_timeout_bundle, "activity"));
    ASSERT_FALSE(records.empty());
    const json& w = records.back();
    ASSERT_EQ(w.value("kind", ""), "window") << w.dump();
    EXPECT_EQ(w.value("status", ""), "timeout") << w.dump();
    EXPECT_NE(w.value("status_note", "").find("--timeout-per-collector"), std::string::npos)
        << w.dump();
    EXPECT_EQ(w.value("seconds_requested", 0), 30);
    EXPECT_LT(w.value("seconds", 99.0), 4.0) << w.dump();
}

// Wine 8.0's TCP table names the owner of the connecting socket, but gives pid 0 (no owner)
// for the accepted end, whose events therefore carry no pid; on Windows both ends name the
// beacon.
TEST_F(WindowsWine, ObserveSeesTheBeaconsConnectionsWithItsPidOnTheConnectingEnd) {
    ASSERT_GT(session().beacon_pid, 0) << read_file(session().work / "beacon.out");
    int connects = 0, owned_connects = 0, accepts = 0, closes = 0;
    for (const auto& r : observe_records()) {
        if (r.value("kind", "") != "connection" || r.value("protocol", "") != "tcp") continue;
        const bool to_beacon = r.value("remote_port", 0) == k_beacon_port;
        const bool on_beacon = r.value("local_port", 0) == k_beacon_port;
        if (!to_beacon && !on_beacon) continue;
        const std::string event = r.value("event", "");
        // Under load, Wine's table sometimes lists a new connecting socket with owner 0 at the
        // first reading that shows it: that connect has no pid; the others name the beacon.
        if (event == "connect" && to_beacon) {
            ++connects;
            if (r["pid"] == session().beacon_pid) {
                ++owned_connects;
                ASSERT_TRUE(r["process"].is_string()) << r.dump();
                EXPECT_EQ(lower(r["process"].get<std::string>()), "irsnap_wine_child.exe")
                    << r.dump();
                ASSERT_TRUE(r["exe"].is_string()) << r.dump();
                EXPECT_NE(lower(r["exe"].get<std::string>()).find("irsnap_wine_child.exe"),
                          std::string::npos)
                    << r.dump();
            }
        }
        accepts += event == "accept" && on_beacon;
        closes += event == "close";
        EXPECT_EQ(r.value("source", ""), "poll");
        EXPECT_EQ(r.value("local_address", ""), "127.0.0.1") << r.dump();
        EXPECT_TRUE(r["pid"].is_null() || r["pid"] == session().beacon_pid) << r.dump();
        if (event == "connect") {
            EXPECT_EQ(r.value("direction", ""), "outbound") << r.dump();
        }
        if (event == "accept") {
            EXPECT_EQ(r.value("direction", ""), "inbound") << r.dump();
        }
    }
    // Four connections in 4 s, each held 300 ms: three at least fall whole into the window.
    EXPECT_GE(connects, 3);
    EXPECT_GE(owned_connects, 2) << connects << " connects";
    EXPECT_GE(accepts, 3);
    EXPECT_GE(closes, 3);
}

// The beacon's short-lived copies: started and ended within the window, each named with its
// argv and the SHA-256 of its executable, and its exit with its lifetime.
TEST_F(WindowsWine, ObserveRecordsTheShortLivedCopiesWithArgvHashAndLifetime) {
    ASSERT_GT(session().beacon_pid, 0) << read_file(session().work / "beacon.out");
    const std::string digest =
        file_sha256(std::string(IRSNAP_WINDOWS_BUILD_DIR) + "/tests/irsnap_wine_child.exe");
    std::set<long> started;
    int exits = 0;
    for (const auto& r : observe_records()) {
        if (r.value("kind", "") != "process" || r.value("ppid", -1L) != session().beacon_pid) {
            continue;
        }
        EXPECT_EQ(lower(r.value("process", "")), "irsnap_wine_child.exe") << r.dump();
        if (r.value("event", "") == "exec") {
            started.insert(r.value("pid", -1L));
            EXPECT_TRUE(observe_has(r["argv"], "--linger")) << r.dump();
            EXPECT_TRUE(observe_has(r["argv"], "300")) << r.dump();
            EXPECT_EQ(r.value("sha256", ""), digest) << r.dump();
            EXPECT_EQ(r.value("read_via", ""), "path") << r.dump();
            EXPECT_NE(lower(r.value("exe", "")).find("irsnap_wine_child.exe"), std::string::npos)
                << r.dump();
        } else if (r.value("event", "") == "exit" && started.count(r.value("pid", -1L))) {
            ++exits;
            // Lived 300 ms; seen between 300 and 400 ms (one poll), more on a loaded host.
            EXPECT_GE(r.value("lifetime_ms", 0), 250) << r.dump();
            EXPECT_LT(r.value("lifetime_ms", 0), 3000) << r.dump();
        }
    }
    EXPECT_GE(started.size(), 3u);
    EXPECT_GE(exits, 2);
}

}  // namespace
}  // namespace irsnap::test
