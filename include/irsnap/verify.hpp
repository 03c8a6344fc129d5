// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace irsnap {

struct VerifyProblem {
    std::string path;     ///< relative to the bundle
    std::string problem;  ///< changed | missing | unexpected | size differs | unreadable | ...
    std::string detail;
};

struct VerifyReport {
    bool manifest_present = false;
    bool manifest_digest_ok = false;
    std::string run_status;  ///< from the manifest, empty if unreadable
    size_t files_checked = 0;
    std::vector<VerifyProblem> problems;
    bool ok() const { return manifest_present && manifest_digest_ok && problems.empty(); }
};

/// Recomputes every digest listed in the manifest, checks the manifest against its .sha256, and
/// reports changed, missing and unexpected files by name. Reads only; never writes.
VerifyReport verify_bundle(const std::filesystem::path& bundle_dir);

}  // namespace irsnap
