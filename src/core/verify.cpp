// SPDX-License-Identifier: Apache-2.0
#include "irsnap/verify.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "irsnap/custody.hpp"
#include "irsnap/hash.hpp"

namespace irsnap {
namespace {

namespace fs = std::filesystem;

FileDigest digest_file(const fs::path& path) {
    FileDigest d;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        d.error = std::strerror(errno);
        return d;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        d.error = "not a regular file";
        ::close(fd);
        return d;
    }
    FileHash h = hash_fd(fd, static_cast<uint64_t>(st.st_size), 0, nullptr);
    ::close(fd);
    if (!h.sha256) {
        d.error = h.note;
        return d;
    }
    d.sha256 = *h.sha256;
    d.bytes = static_cast<uint64_t>(st.st_size);
    return d;
}

std::string read_small(const fs::path& path, bool* ok) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    *ok = static_cast<bool>(in) || in.eof();
    return out.str();
}

/// Every regular file under the bundle, relative, with '/' separators.
std::set<std::string> files_on_disk(const fs::path& root, std::vector<VerifyProblem>& problems) {
    std::set<std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        // Lexical: fs::relative would resolve symlinks and name their targets instead.
        auto rel = it->path().lexically_relative(root).generic_string();
        // symlink_status: a link is never followed, whatever it points to.
        auto type = it->symlink_status(ec).type();
        if (type == fs::file_type::directory) continue;
        if (type != fs::file_type::regular) {
            problems.push_back({rel, "unexpected", "not a regular file"});
            continue;
        }
        out.insert(rel);
    }
    if (ec) problems.push_back({".", "unreadable", ec.message()});
    return out;
}

}  // namespace

VerifyReport verify_bundle(const fs::path& dir) {
    VerifyReport report;
    BundleListing listing;
    listing.files = files_on_disk(dir, report.problems);
    listing.digest = [&](const std::string& rel) { return digest_file(dir / rel); };
    listing.read_text = [&](const std::string& rel) {
        bool ok = false;
        return read_small(dir / rel, &ok);
    };
    listing.check_custody = [&] { return verify_custody_log(dir); };
    check_against_manifest(report, listing);
    return report;
}

}  // namespace irsnap
