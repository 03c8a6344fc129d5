// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/runner.hpp"

namespace irsnap::cli {

/// Progress on stderr: one line per collector as it finishes. Silent with --quiet except for
/// failures, which are always shown.
class ConsoleProgress final : public RunObserver {
  public:
    /// `one_line_output_errors`: with -q, a collector that failed only because the output did
    /// (a tar stream whose reader went away) is not shown: the final error line says it once.
    explicit ConsoleProgress(bool quiet, bool one_line_output_errors = false)
        : m_quiet(quiet), m_one_line_output_errors(one_line_output_errors) {}
    void started(const CollectorSpec& spec, size_t index, size_t total) override;
    void finished(const CollectorOutcome& outcome, size_t index, size_t total) override;

  private:
    bool m_quiet;
    bool m_one_line_output_errors;
};

}  // namespace irsnap::cli
