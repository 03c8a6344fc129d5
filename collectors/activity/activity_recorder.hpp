// SPDX-License-Identifier: Apache-2.0
// Turns the platforms' events into activity records: one place for the record shape, the
// escaping of host text, and the counts the window record and the progress line report.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "activity_events.hpp"
#include "irsnap/collector.hpp"

namespace irsnap::collectors::activity {

class ActivityRecorder {
  public:
    /// `platform`: "linux" or "windows", for the fields the spec declares per platform.
    ActivityRecorder(RecordSink& sink, std::string platform);

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

  private:
    void emit(const std::string& kind, nlohmann::json& record);
    RecordSink& m_sink;
    std::string m_platform;
    std::map<std::string, uint64_t> m_counts;
    uint64_t m_total = 0;
};

}  // namespace irsnap::collectors::activity
