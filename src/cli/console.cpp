// SPDX-License-Identifier: Apache-2.0
#include "console.hpp"

#include "commands.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace irsnap::cli {

void ConsoleProgress::started(const CollectorSpec& spec, size_t index, size_t total) {
    // The transient line is for a person watching; logs and pipes get only the final lines.
    if (m_quiet || !isatty(STDERR_FILENO)) return;
    console(fmt::format("[{}/{}] {:<16} ...\r", index + 1, total, spec.name));
}

void ConsoleProgress::finished(const CollectorOutcome& o, size_t index, size_t total) {
    if (m_quiet && o.status != "failed") return;
    if (m_quiet && m_one_line_output_errors && o.output_failed) return;
    double seconds = (o.end.monotonic_ns - o.start.monotonic_ns) / 1e9;
    console(fmt::format("[{}/{}] {:<16} {:<8} {:>7} records {:>7.2f} s{}\n", index + 1, total,
                        o.name, o.status, o.records, seconds,
                        o.message.empty() ? "" : "  (" + o.message + ")"));
}

}  // namespace irsnap::cli
