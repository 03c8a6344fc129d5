// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "irsnap/runner.hpp"

namespace irsnap::cli {

/// Progress on stderr: one line per collector as it finishes. Silent with --quiet except for
/// failures, which are always shown.
class ConsoleProgress final : public RunObserver {
  public:
    explicit ConsoleProgress(bool quiet) : m_quiet(quiet) {}
    void started(const CollectorSpec& spec, size_t index, size_t total) override;
    void finished(const CollectorOutcome& outcome, size_t index, size_t total) override;

  private:
    bool m_quiet;
};

}  // namespace irsnap::cli
