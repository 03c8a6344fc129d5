// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "irsnap/collector.hpp"
#include "irsnap/text.hpp"
#include "irsnap/timeline.hpp"

namespace irsnap::collectors {

/// A file-system timeline of the places malware lands, in bodyfile (mactime) terms.
const CollectorSpec& timeline_spec();

/// Platform implementation (timeline_linux.cpp, timeline_windows.cpp): the roots of
/// linux_roots() under the host root, or windows_roots() of this host, walked by the platform
/// walk (timeline_walk.hpp) within --timeline-max-entries and the collector's deadline.
/// Privileges: root (an administrator) to read every home; without, what is denied is counted
/// in coverage. Races: an entry gone between listing and looking is counted, not an error.
void collect_timeline(const Context& ctx, RecordSink& sink);

namespace timeline_impl {

/// One record of the timeline (timeline.cpp): `on_linux` escapes the byte fields (path,
/// link_target, walk_root) that are not valid UTF-8 and fills the Linux-only fields; otherwise
/// the Windows ones.
std::string record_line(const timeline::Root& root, const timeline::Entry& entry, bool on_linux);

/// The RecordSink side of a walk: records, item errors and races.
class SinkVisitor final : public timeline::Visitor {
  public:
    SinkVisitor(RecordSink& sink, bool on_linux) : m_sink(sink), m_linux(on_linux) {}
    void entry(const timeline::Root& root, const timeline::Entry& entry) override {
        m_sink.emit_line(record_line(root, entry, m_linux));
    }
    void error(ItemError error) override {
        if (m_linux) {  // a path that is not UTF-8 is shown as in records, not as U+FFFD
            bool escaped = false;
            error.path = escape_bytes(error.path, escaped);
        }
        m_sink.item_error(std::move(error));
    }
    void race() override { m_sink.race(); }

  private:
    RecordSink& m_sink;
    bool m_linux;
};

/// The walk's bounds from the run's parameters: --timeline-max-entries, and the --recent-days
/// window counted back from now.
timeline::Limits limits_of(const Context& ctx);

/// Coverage notes, and one log line per root (status, entries visited and recorded, seconds).
void report_walk(const Context& ctx, RecordSink& sink, const timeline::Report& report,
                 const timeline::Limits& limits);

}  // namespace timeline_impl

}  // namespace irsnap::collectors
