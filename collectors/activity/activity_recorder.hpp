// SPDX-License-Identifier: Apache-2.0
// Turns the platforms' events into activity records: one place for the record shape, the
// escaping of host text, and the counts the window record and the progress line report.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "activity_events.hpp"
#include "irsnap/collector.hpp"

namespace irsnap::collectors::activity {

/// Process, connection, DNS and flow records one window writes at most (about 1.3 KB each):
/// a stream holds its artifact in memory until the window ends, so a flood is counted beyond
/// this, not written.
inline constexpr uint64_t k_max_event_records = 200000;

class ActivityRecorder {
  public:
    /// `platform`: "linux" or "windows", for the fields the spec declares per platform.
    ActivityRecorder(RecordSink& sink, std::string platform,
                     uint64_t max_event_records = k_max_event_records);

    void process(const ProcessEvent& e);
    void connection(const ConnectionEvent& e);
    void dns(const DnsEvent& e);
    void flow(const Flow& f);
    /// A record built by the platform (raw_socket, capture); `kind` is set here.
    void other(const std::string& kind, nlohmann::json record);
    /// The window record, last: its `events` are the counts of every record before it.
    void window(const WindowSummary& w);

    uint64_t events() const { return m_total; }
    const std::map<std::string, uint64_t>& counts() const { return m_counts; }
    /// The console's progress text: "42 s left, 1234 events".
    static std::string progress_text(int64_t seconds_left, uint64_t events);

    /// Event records past the window's cap, counted and not written.
    uint64_t not_written() const { return m_not_written; }

  private:
    void emit(const std::string& kind, nlohmann::json& record);
    RecordSink& m_sink;
    std::string m_platform;
    /// The spec's fields for this platform in key order: a record is rendered by merging its
    /// own members with nulls for the rest, the text null_missing_fields and dump() would give,
    /// at a fraction of the cost (a busy host makes thousands of events a second).
    std::vector<std::string> m_sorted_fields;
    std::string m_line;
    std::map<std::string, uint64_t> m_counts;
    uint64_t m_total = 0;
    uint64_t m_not_written = 0;
    uint64_t m_event_records = 0;
    uint64_t m_max_event_records;
};

}  // namespace irsnap::collectors::activity
