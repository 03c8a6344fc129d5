// SPDX-License-Identifier: Apache-2.0
// verify for directory bundles: every file is listed and opened through bundle_fs.hpp (relative
// to directory descriptors, never through a symlink, never a FIFO), then checked against the
// manifest by check_against_manifest.
#include "irsnap/verify.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/file_hash.hpp"
#include "irsnap/hash.hpp"

namespace irsnap {
namespace {

namespace fs = std::filesystem;

/// A bundle is two levels deep; a crafted tree of nested directories must not make the walk
/// hold a descriptor per level without end.
constexpr int k_max_depth = 8;

bool is_manifest_file(const std::string& rel) {
    return rel == "manifest.json" || rel == "manifest.json.sha256";
}

FileDigest digest_file(int root_fd, const std::string& rel) {
    FileDigest d;
    BundleFile file = open_bundle_file(root_fd, rel);
    if (!file.fd) {
        d.error = file.error;
        return d;
    }
    d.bytes = file.size;
    if (is_manifest_file(rel) && file.size > k_max_manifest_bytes) {
        // Not hashed: a sparse gigabyte named manifest.json is not worth the seconds.
        d.error = std::to_string(file.size) + " bytes, over the " +
                  std::to_string(k_max_manifest_bytes >> 20) + " MiB limit of a manifest";
        return d;
    }
    FileHash h = hash_fd(file.fd.get(), file.size, 0, nullptr);
    if (!h.sha256) {
        d.error = h.note;
        return d;
    }
    d.sha256 = *h.sha256;
    return d;
}

/// Every regular file below `dir_fd`, relative to the bundle with '/' separators. Symlinks,
/// FIFOs, sockets and devices are named as unexpected, never opened.
void walk(int dir_fd, const std::string& prefix, int depth, std::set<std::string>& out,
          std::vector<VerifyProblem>& problems) {
    std::string error;
    const auto entries = list_directory(dir_fd, error);
    if (!error.empty()) problems.push_back({prefix.empty() ? "." : prefix, "unreadable", error});
    for (const auto& e : entries) {
        const std::string rel = prefix.empty() ? e.name : prefix + "/" + e.name;
        switch (e.type) {
            case EntryType::regular:
                out.insert(rel);
                break;
            case EntryType::directory: {
                if (depth >= k_max_depth) {
                    problems.push_back({rel + "/", "unexpected", "directories nested too deep"});
                    break;
                }
                std::string why;
                UniqueFd sub = open_bundle_dir(dir_fd, e.name, why);
                if (!sub) {
                    problems.push_back({rel + "/", "unreadable", why});
                    break;
                }
                walk(sub.get(), rel, depth + 1, out, problems);
                break;
            }
            case EntryType::symlink:
                problems.push_back({rel, "unexpected", "a symbolic link (not followed)"});
                break;
            case EntryType::other:
                problems.push_back({rel, "unexpected", "not a regular file"});
                break;
        }
    }
}

}  // namespace

VerifyReport verify_bundle(const fs::path& dir) {
    std::string error;
    UniqueFd root = open_directory(dir, error);
    if (!root) {
        VerifyReport report;
        report.problems.push_back({".", "unreadable", error});
        return report;
    }
    return verify_bundle_at(root.get());
}

VerifyReport verify_bundle_at(int root_fd) {
    VerifyReport report;
    BundleListing listing;
    walk(root_fd, "", 0, listing.files, report.problems);
    listing.digest = [&](const std::string& rel) { return digest_file(root_fd, rel); };
    listing.read_text = [&](const std::string& rel) {
        std::string ignored;  // the digest of the same file names the problem
        return read_bundle_text(root_fd, rel, k_max_manifest_bytes, ignored);
    };
    listing.check_custody = [&] { return verify_custody_log(root_fd); };
    check_against_manifest(report, listing);
    return report;
}

}  // namespace irsnap
