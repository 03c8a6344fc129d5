// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/clock.hpp"
#include "irsnap/runner.hpp"

namespace irsnap {

inline constexpr const char* k_manifest_schema = "irsnap.manifest/1";

struct CaseInfo {
    std::string case_id, evidence_id, examiner, description, notes;
};

/// Everything that goes into manifest.json; see docs/manifest.md for each field.
struct ManifestInput {
    CaseInfo case_info;
    nlohmann::json tool;       ///< name, version, revision, build, exe sha256, argv
    nlohmann::json host;       ///< from describe_host()
    nlohmann::json operator_;  ///< from describe_operator()
    nlohmann::json options;    ///< effective collection options
    std::string bundle_name;
    std::string output_kind = "directory";  ///< directory | stream (BundleOutput::kind)
    ClockSample start;
    ClockSample end;
    RunOutcome run;
    ArtifactInfo log;  ///< collection.log
    /// What the run's preparation could not do or read (a host file refused or cut, a step
    /// that ran out of time): the manifest's `notes`, also in the log.
    std::vector<std::string> notes;
};

/// incomplete if the output failed, else interrupted, else partial if a collector is partial
/// or failed, else complete.
RunStatus run_status(const RunOutcome& run);

nlohmann::json build_manifest(const ManifestInput& input);

/// The clock sample as JSON: realtime (RFC 3339), realtime_ns, monotonic_ns, boottime_ns.
nlohmann::json clock_to_json(const ClockSample& sample);

}  // namespace irsnap
