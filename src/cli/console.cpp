// SPDX-License-Identifier: Apache-2.0
#include "console.hpp"

#include "commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "irsnap/progress_text.hpp"

namespace irsnap::cli {

void ConsoleProgress::started(const CollectorSpec& spec, size_t index, size_t total) {
    // The transient line is for a person watching; logs and pipes get only the final lines.
    if (m_quiet || !isatty(STDERR_FILENO)) return;
    const std::string line =
        fmt::format("{} {:<16} ...", progress_counter(index, total), spec.name);
    m_transient_width = line.size();
    console(line + "\r");
}

void ConsoleProgress::progress(const CollectorSpec& spec, const std::string& text, size_t index,
                               size_t total) {
    if (m_quiet || !isatty(STDERR_FILENO)) return;
    const std::string line =
        fmt::format("{} {:<16} ... {}", progress_counter(index, total), spec.name, text);
    // Pad over a longer line before it, so no stale characters stay at its end.
    console(fmt::format("{:<{}}\r", line, m_transient_width));
    m_transient_width = std::max(m_transient_width, line.size());
}

void ConsoleProgress::finished(const CollectorOutcome& o, size_t index, size_t total) {
    const bool shown = o.status == CollectorStatus::failed ? !(o.output_failed && m_stream)
                                                           : !m_quiet && !m_stream;
    if (!shown) {
        // A stream run prints no line per collector: blank the transient one, so the final
        // block or error line does not start beside it.
        if (m_transient_width > 0) console(fmt::format("{:<{}}\r", "", m_transient_width));
        m_transient_width = 0;
        return;
    }
    m_transient_width = 0;
    double seconds = (o.end.monotonic_ns - o.start.monotonic_ns) / 1e9;
    console(progress_finished_line(index, total, o.name, std::string(to_string(o.status)),
                                   o.records, seconds, o.message));
}

}  // namespace irsnap::cli
