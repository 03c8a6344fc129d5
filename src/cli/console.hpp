// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/runner.hpp"

namespace irsnap::cli {

/// Progress on stderr: one line per collector as it finishes. Silent with --quiet except for
/// failures, which are always shown.
class ConsoleProgress final : public RunObserver {
  public:
    /// `stream` (-o -): only the transient line on a terminal, and a collector's own failure;
    /// a collector that failed only because the output did (the stream's reader went away) is
    /// never shown, since the final error line says it once.
    explicit ConsoleProgress(bool quiet, bool stream = false) : m_quiet(quiet), m_stream(stream) {}
    void started(const CollectorSpec& spec, size_t index, size_t total) override;
    void finished(const CollectorOutcome& outcome, size_t index, size_t total) override;
    void progress(const CollectorSpec& spec, const std::string& text, size_t index,
                  size_t total) override;

  private:
    bool m_quiet;
    bool m_stream;
    size_t m_transient_width = 0;  ///< columns of the transient line still on the terminal
};

}  // namespace irsnap::cli
