// SPDX-License-Identifier: Apache-2.0
// One collect run, from the parsed options to a verifiable bundle: output, collection log, host
// and operator description, hash cache, the collectors, the manifest. The CLI keeps parsing,
// signals, what the terminal shows and the exit code.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "irsnap/collect_options.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/runner.hpp"

namespace irsnap {

class BundleOutput;

struct CollectRequest {
    CollectOptions options;         ///< checked already (usage errors are the caller's)
    std::vector<std::string> argv;  ///< the whole command line, for the manifest's tool.argv
    /// The run's stop flag (the caller's signal handler sets it). With -o - the run sets it too
    /// when the tar stream's reader goes away. Null: the run cannot be stopped.
    std::atomic<bool>* cancel = nullptr;
};

/// What a run tells its caller as it goes (the CLI: the terminal). started() and finished()
/// (RunObserver) come for each collector.
class CollectReporter : public RunObserver {
  public:
    /// No -o and the default directory beside the executable is not writable: the bundle goes
    /// into `used` (the current directory, which may be the suspect's own disk).
    virtual void output_fallback(const std::filesystem::path& unwritable,
                                 const std::filesystem::path& used) = 0;
    /// The bundle and its collection log exist; the collectors run next.
    virtual void collecting(const BundleOutput& bundle) = 0;
};

struct CollectOutcome {
    /// Why there is no verifiable bundle (one line for the operator): -o - with stdout closed,
    /// the bundle not created, or its manifest not written (manifest_sha256 is then empty).
    std::string failure;
    std::string bundle_location;               ///< BundleOutput::location()
    RunStatus status = RunStatus::incomplete;  ///< run_status()
    std::string manifest_sha256;               ///< empty when no manifest was written
    /// A sealed run (--recipient, irsnap.recipients): the .tar.age path ("stdout" with -o -),
    /// the SHA-256 and size of every sealed byte written (what the courier checks without the
    /// key; complete once the manifest is written), and the recipients' keys.
    std::string sealed_path;
    std::string sealed_sha256;
    uint64_t sealed_bytes = 0;
    std::vector<std::string> sealed_to;
    /// The collectors' outcomes; output_failed/output_error also cover the collection log and,
    /// with -o -, a reader that went away.
    RunOutcome run;
};

/// Runs `irsnap collect` into a new bundle with the `collectors` given (the registry, or fakes
/// in tests). What the output does ends in the outcome (`failure`, `run.output_failed`), and a
/// collector's failure in its status; the usage checks are done before.
CollectOutcome run_collection(const CollectRequest& request,
                              const std::vector<Collector>& collectors, CollectReporter& reporter);

}  // namespace irsnap
