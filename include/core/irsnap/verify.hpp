// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
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
    /// SHA-256 of the manifest.json verify read, when it matched manifest.json.sha256: a later
    /// pass over the same bundle (triage, stack, export) checks it read that same manifest.
    std::string manifest_sha256;
    std::string run_status;  ///< from the manifest, empty if unreadable
    size_t files_checked = 0;
    std::vector<VerifyProblem> problems;
    bool ok() const { return manifest_present && manifest_digest_ok && problems.empty(); }
};

/// Checks what a bundle holds (a directory's files or a tar's members) against its manifest.
struct FileDigest {
    std::string sha256;
    uint64_t bytes = 0;
    std::string error;
};
struct BundleListing {
    std::set<std::string> files;  ///< regular files, relative to the bundle, '/'-separated
    std::function<FileDigest(const std::string&)> digest;
    std::function<std::string(const std::string&)> read_text;  ///< manifest.json(.sha256)
    /// Directory bundles only: checks custody.jsonl's chain (custody.hpp). Unset for a tar,
    /// whose custody log, if any, is unexpected (custody is recorded on an unpacked bundle).
    std::function<std::vector<VerifyProblem>()> check_custody;
};
/// The manifest digest, every listed artifact's digest and size, and files not listed.
void check_against_manifest(VerifyReport& report, const BundleListing& listing);

/// Recomputes every digest listed in the manifest, checks the manifest against its .sha256, and
/// reports changed, missing and unexpected files by name. Reads only; never writes.
VerifyReport verify_bundle(const std::filesystem::path& bundle_dir);
/// The same on a bundle directory already open (bundle_fs.hpp), so a reader verifies exactly
/// the directory it then reads, even if its path is swapped meanwhile.
VerifyReport verify_bundle_at(int bundle_dir_fd);

/// Verifies a tar stream read from `fd` to its end (a file or stdin) in one pass: each member is
/// hashed as it is read and checked against the manifest, which arrives last. A stream cut
/// short is reported as `incomplete`, naming the member it ends in and the last complete one.
/// Members must all sit in one top directory; links, devices and paths with `..` are problems.
VerifyReport verify_tar(int fd);

struct UnpackResult {
    VerifyReport report;     ///< of the verifying pass
    std::string error;       ///< why extraction failed or was refused, "" on success
    std::string bundle_dir;  ///< what was created, "" if nothing was
    /// The file could not be opened as a tar (a sealed one: no key, a wrong key, a malformed or
    /// altered header): `error` says why, `integrity` when it is the file's fault.
    bool open_failed = false;
    bool integrity = false;
};

/// Verifies the tar file `tar_path`, and only when it verifies extracts it into `into`
/// (`into/<bundle>/`), re-hashing every member on the way and refusing anything outside the one
/// top directory, links, and an existing target (O_EXCL, never overwritten).
UnpackResult unpack_tar(const std::filesystem::path& tar_path, const std::filesystem::path& into);

}  // namespace irsnap
