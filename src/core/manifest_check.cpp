// SPDX-License-Identifier: Apache-2.0
// The heart of verify: what a bundle holds against what its manifest lists. Pure (the listing
// hands in digests and texts), so directories, tar streams and the fuzzer share it.
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/untrusted_json.hpp"
#include "irsnap/verify.hpp"

namespace irsnap {

void check_against_manifest(VerifyReport& report, const BundleListing& listing) {
    const auto& on_disk = listing.files;
    std::set<std::string> expected = {"manifest.json", "manifest.json.sha256"};

    if (!on_disk.count("manifest.json")) {
        // Without a manifest nothing can be checked: one clear line, not a list of every file.
        // Only what explains it stays: a manifest.json that is a FIFO or a symlink.
        std::erase_if(report.problems,
                      [](const VerifyProblem& p) { return p.path != "manifest.json"; });
        report.problems.push_back(
            {"manifest.json", "missing",
             std::to_string(on_disk.size()) +
                 " file(s) present but unverifiable: the run was killed or is still going, or "
                 "this is not a bundle"});
        return;
    } else {
        report.manifest_present = true;
        FileDigest actual = listing.digest("manifest.json");
        if (!actual.error.empty() || actual.bytes > k_max_manifest_bytes) {
            // One line, and no attempt to parse it: the tar path kept at most the cap, and a
            // directory's manifest.json may be a sparse gigabyte (or a FIFO) on purpose.
            report.problems.push_back({"manifest.json", "unreadable",
                                       !actual.error.empty()
                                           ? actual.error
                                           : std::to_string(actual.bytes) + " bytes, over the " +
                                                 std::to_string(k_max_manifest_bytes >> 20) +
                                                 " MiB limit of a manifest"});
            return;
        }
        std::string recorded = listing.read_text("manifest.json.sha256");
        if (!on_disk.count("manifest.json.sha256")) {
            report.problems.push_back({"manifest.json.sha256", "missing", ""});
        } else if (recorded.size() < 64 || recorded.substr(0, 64) != actual.sha256 ||
                   recorded.substr(64) != "  manifest.json\n") {
            report.problems.push_back(
                {"manifest.json", "changed",
                 "digest " + actual.sha256 + " does not match manifest.json.sha256"});
        } else {
            report.manifest_digest_ok = true;
            report.manifest_sha256 = actual.sha256;
        }
        ++report.files_checked;
    }

    nlohmann::json manifest;
    if (report.manifest_present) {
        std::string text = listing.read_text("manifest.json");
        manifest = parse_untrusted_json(text);
        if (manifest.is_discarded() || !manifest.is_object()) {
            report.problems.push_back({"manifest.json", "unreadable",
                                       "not valid JSON (or nested deeper than " +
                                           std::to_string(k_max_json_depth) + " levels)"});
            manifest = nlohmann::json::object();
        }
        const auto status = manifest.find("status");
        report.run_status = status != manifest.end() && status->is_string()
                                ? status->get<std::string>()
                                : "unknown";
    }

    const auto artifacts = manifest.find("artifacts");
    if (report.manifest_present && (artifacts == manifest.end() || !artifacts->is_array())) {
        report.problems.push_back({"manifest.json", "unreadable", "no artifacts list"});
    }
    if (artifacts != manifest.end() && artifacts->is_array()) {
        for (const auto& a : *artifacts) {
            // A tampered manifest is a finding to name, never a crash: check every type.
            if (!a.is_object() || !a.contains("path") || !a["path"].is_string() ||
                !a.contains("sha256") || !a["sha256"].is_string() || !a.contains("bytes") ||
                !a["bytes"].is_number_unsigned()) {
                report.problems.push_back(
                    {"manifest.json", "unreadable", "bad artifact entry: " + describe_json(a)});
                continue;
            }
            std::string rel = a["path"].get<std::string>();
            const std::string expected_sha = a["sha256"].get<std::string>();
            // Never let a crafted manifest point verify outside the bundle.
            if (rel.empty() || rel[0] == '/' || rel.find("..") != std::string::npos) {
                report.problems.push_back({rel, "unexpected", "path escapes the bundle"});
                continue;
            }
            expected.insert(rel);
            if (!on_disk.count(rel)) {
                report.problems.push_back({rel, "missing", "listed in the manifest"});
                continue;
            }
            FileDigest d = listing.digest(rel);
            ++report.files_checked;
            if (!d.error.empty()) {
                report.problems.push_back({rel, "unreadable", d.error});
            } else if (d.sha256 != expected_sha) {
                report.problems.push_back(
                    {rel, "changed", "sha256 " + d.sha256 + ", manifest says " + expected_sha});
            } else if (d.bytes != a["bytes"].get<uint64_t>()) {
                report.problems.push_back({rel, "size differs", ""});
            }
        }
    }
    // custody.jsonl grows after collection, so the manifest cannot list it: custody.cpp checks
    // its own hash chain instead.
    if (report.manifest_present && on_disk.count(k_custody_log) && listing.check_custody) {
        expected.insert(k_custody_log);
        for (auto& p : listing.check_custody()) report.problems.push_back(std::move(p));
    }
    for (const auto& rel : on_disk) {
        if (!expected.count(rel) && report.manifest_present) {
            report.problems.push_back({rel, "unexpected", "not listed in the manifest"});
        }
    }
}

}  // namespace irsnap
