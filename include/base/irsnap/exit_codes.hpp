// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace irsnap {

/// Process exit codes. They are part of the interface for scripted fleet runs: keep them stable
/// and keep README.md and `irsnap --help` in step with this list.
enum class ExitCode : int {
    ok = 0,                ///< everything asked for was collected (or verified)
    reduced_coverage = 1,  ///< bundle is complete and valid, but some data was denied or failed
    usage = 2,             ///< bad command line; nothing was collected
    output_unusable = 3,   ///< output could not be created or written; see stderr
    interrupted = 4,       ///< SIGINT/SIGTERM; the partial bundle is marked and verifiable
    verify_failed = 5,     ///< verify: a digest, size or file differs, or the bundle is incomplete
    internal = 6,          ///< a bug: please report with collection.log
};

constexpr int to_int(ExitCode code) {
    return static_cast<int>(code);
}

}  // namespace irsnap
