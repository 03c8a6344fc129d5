// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/clock.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/status.hpp"
#include "irsnap/usage_error.hpp"

namespace irsnap {

class BundleOutput;

struct ArtifactInfo {
    std::string path;  ///< relative to the bundle, e.g. artifacts/01_processes.jsonl
    uint64_t bytes = 0;
    uint64_t records = 0;
    std::string sha256;
};

/// Everything the manifest says about one collector's run.
struct CollectorOutcome {
    std::string name;
    int rank = 0;
    CollectorStatus status = CollectorStatus::ok;
    std::string message;  ///< why failed/skipped/partial, empty when ok
    uint64_t records = 0;
    uint64_t error_count = 0;
    uint64_t races = 0;
    std::vector<ItemError> errors;  ///< the first k_max_listed_errors
    std::vector<std::string> coverage;
    ClockSample start;
    ClockSample end;
    std::optional<ArtifactInfo> artifact;
    std::vector<ArtifactInfo> attachments;  ///< evidence archives beside the records
    std::vector<std::string> views;         ///< views of the host compared (RecordSink::view)
    bool output_failed = false;             ///< failed because the output could not be written
};

inline constexpr size_t k_max_listed_errors = 50;

struct RunRequest {
    Context context;  ///< template; the runner sets cancel/deadline per collector
    std::vector<std::string> only;
    std::vector<std::string> exclude;
    std::chrono::milliseconds timeout_per_collector{0};  ///< 0 = none
    /// Collectors that run only when asked for (by their option, or by name in `only`):
    /// skipped as off_by_default otherwise.
    std::vector<std::string> off_by_default;
};

struct RunOutcome {
    std::vector<CollectorOutcome> collectors;
    bool interrupted = false;
    bool output_failed = false;
    std::string output_error;
};

/// Told as collectors start and finish (console progress).
class RunObserver {
  public:
    virtual ~RunObserver() = default;
    virtual void started(const CollectorSpec& spec, size_t index, size_t total) = 0;
    virtual void finished(const CollectorOutcome& outcome, size_t index, size_t total) = 0;
    /// A running collector's progress text (RecordSink::progress).
    virtual void progress(const CollectorSpec& spec, const std::string& text, size_t index,
                          size_t total) {
        (void)spec, (void)text, (void)index, (void)total;
    }
};

/// Checks --collectors/--exclude names against the registry; throws UsageError naming the
/// unknown ones and the valid choices.
void validate_selection(const std::vector<Collector>& all, const std::vector<std::string>& only,
                        const std::vector<std::string>& exclude);

/// Collectors sorted by volatility rank (stable for equal ranks).
std::vector<Collector> in_run_order(const std::vector<Collector>& all);

/// Whether `spec` lists `platform` ("linux", "windows") among the platforms it runs on.
bool runs_on(const CollectorSpec& spec, std::string_view platform);

/// Runs every selected collector in rank order into the bundle. Never throws for a collector's
/// failure: each becomes a status in the outcome.
RunOutcome run_collectors(const std::vector<Collector>& all, BundleOutput& bundle,
                          const RunRequest& request, RunObserver* observer);

}  // namespace irsnap
