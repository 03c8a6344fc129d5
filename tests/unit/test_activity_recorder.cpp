// SPDX-License-Identifier: Apache-2.0
// The activity recorder: every record carries every field the spec declares for its platform
// (MemorySink checks the line is exactly nlohmann's rendering), invalid UTF-8 is escaped, the
// window record counts what came before it, and a flood stops at the cap with a note.
#include <gtest/gtest.h>

#include "activity/activity.hpp"
#include "activity/activity_recorder.hpp"
#include "fixture_util.hpp"

namespace irsnap {
namespace {

using collectors::activity::ActivityRecorder;
using nlohmann::json;

void activity_expect_all_fields(const json& record, const std::string& platform) {
    for (const auto& f : collectors::activity_spec().fields) {
        if (f.name == "escaped_fields") continue;
        const bool declared =
            f.platforms.empty() ||
            std::find(f.platforms.begin(), f.platforms.end(), platform) != f.platforms.end();
        EXPECT_EQ(record.contains(f.name), declared) << f.name << " in " << record.dump();
    }
}

TEST(ActivityRecorder, ProcessRecordHasEveryFieldAndEscapesArgv) {
    test::MemorySink sink;
    ActivityRecorder recorder(sink, "linux");
    collectors::activity::ProcessEvent e;
    e.event = "exec";
    e.source = "bpf";
    e.at = {1'700'000'000'123'456'000, 42};
    e.pid = 4242;
    e.ppid = 1;
    e.uid = 0;
    e.process = "beacon";
    e.exe = "/tmp/.x/beacon";
    e.argv = {"beacon", "--c2\xff\x1b[2J"};
    e.sha256 = std::string(64, 'a');
    e.read_via = "/proc/PID/exe";
    recorder.process(e);
    ASSERT_EQ(sink.records.size(), 1u);
    const json& r = sink.records[0];
    activity_expect_all_fields(r, "linux");
    EXPECT_EQ(r["kind"], "process");
    EXPECT_EQ(r["time"], "2023-11-14T22:13:20.123456Z");
    EXPECT_EQ(r["monotonic_ns"], 42);
    // Invalid UTF-8 is escaped; a control byte is valid JSON text (\u001b), and the terminal
    // side escapes it when it prints.
    EXPECT_EQ(r["argv"][1], "--c2\\xff\x1b[2J");
    EXPECT_EQ(r["escaped_fields"], json::array({"argv"}));
    EXPECT_TRUE(r["exit_code"].is_null());
}

TEST(ActivityRecorder, WindowCountsEveryKindAndWindowsHasNoLinuxFields) {
    test::MemorySink sink;
    ActivityRecorder recorder(sink, "windows");
    collectors::activity::ConnectionEvent c;
    c.event = "connect";
    c.source = "poll";
    c.ends = {"tcp", "ipv4", "10.0.0.5", 50000, "203.0.113.9", 6667};
    c.new_state = "ESTABLISHED";
    c.direction = "outbound";
    c.pid = 99;
    recorder.connection(c);
    recorder.connection(c);
    collectors::activity::DnsEvent d;
    d.event = "cached";
    d.source = "dns_cache";
    d.query = "c2.example";
    d.answers = {{"c2.example", "A", "203.0.113.9", 300}};
    recorder.dns(d);
    collectors::activity::WindowSummary w;
    w.status = "complete";
    w.seconds_requested = 10;
    w.started = {0, 1'000'000'000};
    w.ended = {0, 11'500'000'000};
    recorder.window(w);
    ASSERT_EQ(sink.records.size(), 4u);
    for (const auto& r : sink.records) activity_expect_all_fields(r, "windows");
    EXPECT_EQ(sink.records[0]["remote_port"], 6667);
    EXPECT_EQ(sink.records[2]["answers"][0]["ttl"], 300);
    const json& window = sink.records[3];
    EXPECT_EQ(window["events"], json({{"connection", 2}, {"dns", 1}}));
    EXPECT_DOUBLE_EQ(window["seconds"].get<double>(), 10.5);
    EXPECT_EQ(window["events_not_written"], 0);
}

TEST(ActivityRecorder, AFloodStopsAtTheCapAndSaysSo) {
    test::MemorySink sink;
    ActivityRecorder recorder(sink, "linux", 3);
    collectors::activity::Flow f;
    f.ends = {"udp", "ipv4", "10.0.0.5", 40000, "10.0.0.9", 53};
    for (int i = 0; i < 5; ++i) recorder.flow(f);
    recorder.window({});
    ASSERT_EQ(sink.records.size(), 4u);
    EXPECT_EQ(sink.records[3]["events_not_written"], 2);
    EXPECT_EQ(recorder.not_written(), 2u);
    ASSERT_EQ(sink.notes.size(), 1u);
    EXPECT_NE(sink.notes[0].find("more than 3 events"), std::string::npos);
}

TEST(ActivityRecorder, ProgressText) {
    EXPECT_EQ(ActivityRecorder::progress_text(42, 1234), "42 s left, 1234 events");
    EXPECT_EQ(ActivityRecorder::progress_text(-1, 0), "0 s left, 0 events");
}

}  // namespace
}  // namespace irsnap
