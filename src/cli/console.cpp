// SPDX-License-Identifier: Apache-2.0
#include "console.hpp"

#include "commands.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "irsnap/progress_text.hpp"

namespace irsnap::cli {

void ConsoleProgress::started(const CollectorSpec& spec, size_t index, size_t total) {
    // The transient line is for a person watching; logs and pipes get only the final lines.
    if (m_quiet || !isatty(STDERR_FILENO)) return;
    console(fmt::format("{} {:<16} ...\r", progress_counter(index, total), spec.name));
}

void ConsoleProgress::finished(const CollectorOutcome& o, size_t index, size_t total) {
    if (m_quiet && o.status != "failed") return;
    if (m_quiet && m_one_line_output_errors && o.output_failed) return;
    double seconds = (o.end.monotonic_ns - o.start.monotonic_ns) / 1e9;
    console(progress_finished_line(index, total, o.name, o.status, o.records, seconds, o.message));
}

}  // namespace irsnap::cli
