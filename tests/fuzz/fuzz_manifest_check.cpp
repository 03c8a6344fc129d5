// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: manifest.json as verify, unpack, triage, stack and export check it. The
// manifest comes from a bundle nobody vouches for; its digest file is made to match, so every
// input reaches the artifact checks. Every artifact the manifest names "exists" and hashes to
// the digest of its own path, so a crafted entry can be verified, changed or escaping.
#include <set>
#include <string>

#include "fuzz_common.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    irsnap::init_crypto();
    const std::string manifest(irsnap::fuzz::as_text(data, size));
    irsnap::BundleListing listing;
    listing.files = {"manifest.json", "manifest.json.sha256", "artifacts/01_system.jsonl",
                     "collection.log"};
    listing.digest = [&](const std::string& rel) {
        if (rel == "manifest.json")
            return irsnap::FileDigest{irsnap::sha256_hex(manifest), size, ""};
        return irsnap::FileDigest{irsnap::sha256_hex(rel), rel.size(), ""};
    };
    listing.read_text = [&](const std::string& rel) {
        if (rel == "manifest.json") return manifest;
        if (rel == "manifest.json.sha256")
            return irsnap::sha256_hex(manifest) + "  manifest.json\n";
        return std::string();
    };
    irsnap::VerifyReport report;
    irsnap::check_against_manifest(report, listing);
    FUZZ_CHECK(report.manifest_present && report.manifest_digest_ok);
    FUZZ_CHECK(report.files_checked >= 1);
    // Whatever the manifest says, nothing outside the bundle is ever looked at, and a bundle
    // only verifies when nothing was found wrong.
    for (const auto& p : report.problems) FUZZ_CHECK(!p.path.empty() || p.problem == "unexpected");
    FUZZ_CHECK(report.ok() == report.problems.empty());
    return 0;
}
