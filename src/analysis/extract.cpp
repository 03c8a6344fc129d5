// SPDX-License-Identifier: Apache-2.0
#include "irsnap/extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/bundle_reader.hpp"
#include "irsnap/evidence_zip.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap {
namespace {

using nlohmann::json;

bool is_hex_digest(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string text_at(const json& record, const char* key) {
    auto it = record.find(key);
    return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Creates (or opens) each directory of `rel` below `dir_fd`, never through a symlink.
UniqueFd make_dirs(int dir_fd, const std::string& rel, std::string& error) {
    UniqueFd current(::dup(dir_fd));
    size_t start = 0;
    while (start < rel.size()) {
        const size_t slash = rel.find('/', start);
        const std::string part = rel.substr(start, slash - start);
        start = slash == std::string::npos ? rel.size() : slash + 1;
        if (::mkdirat(current.get(), part.c_str(), 0700) != 0 && errno != EEXIST) {
            error = "cannot create directory " + part + ": " + std::strerror(errno);
            return {};
        }
        UniqueFd next(
            ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next) {
            error = "cannot open directory " + part + ": " + std::strerror(errno);
            return {};
        }
        current = std::move(next);
    }
    return current;
}

/// Writes one member to `target` below `into_fd` through a temporary name, keeping it only when
/// its digest is the record's.
void write_member(struct archive* a, const ExpectedMember& expected, const std::string& target,
                  int into_fd, ExtractedMember& out) {
    const size_t slash = target.rfind('/');
    std::string error;
    UniqueFd dir = make_dirs(into_fd, target.substr(0, slash), error);
    if (!dir) {
        out.problem = error;
        return;
    }
    const std::string base = target.substr(slash + 1);
    const std::string partial = "." + base + ".partial";
    UniqueFd fd(::openat(dir.get(), partial.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) {
        out.problem = "cannot create " + partial + ": " + std::strerror(errno);
        return;
    }
    Sha256 digest;
    std::string buffer(256 * 1024, '\0');
    bool failed = false;
    while (true) {
        const la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
        if (n == 0) break;
        if (n < 0) {
            const char* why = archive_error_string(a);
            out.problem = std::string("cannot read the member: ") + (why ? why : "unknown error");
            failed = true;
            break;
        }
        digest.update(buffer.data(), static_cast<size_t>(n));
        out.bytes += static_cast<uint64_t>(n);
        size_t done = 0;
        while (done < static_cast<size_t>(n)) {
            const ssize_t w =
                ::write(fd.get(), buffer.data() + done, static_cast<size_t>(n) - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                out.problem = std::string("cannot write: ") + std::strerror(errno);
                failed = true;
                break;
            }
            done += static_cast<size_t>(w);
        }
        if (failed) break;
    }
    if (!failed) {
        const std::string got = digest.finish_hex();
        if (got != expected.member_sha256) {
            out.problem = "sha256 " + got + " differs from the record's " + expected.member_sha256;
            failed = true;
        }
    }
    if (!failed && ::linkat(dir.get(), partial.c_str(), dir.get(), base.c_str(), 0) != 0) {
        out.problem = "cannot create " + target + ": " + std::strerror(errno);
        failed = true;
    }
    // The partial name goes before the file is made read-only: Windows deletes no read-only
    // name, and the attribute belongs to the file, not to one of its links.
    ::unlinkat(dir.get(), partial.c_str(), 0);
    // Read-only: a specimen is not meant to be edited, nor run by a double click.
    if (!failed && ::fchmod(fd.get(), 0400) != 0) {
        out.problem = std::string("cannot make it read-only: ") + std::strerror(errno);
        failed = true;
        ::unlinkat(dir.get(), base.c_str(), 0);
    }
    if (!failed) out.written = target;
}

/// Every member of one archive, each matched to its record.
void extract_archive(int bundle_fd, const std::string& archive_path,
                     const std::map<std::string, const ExpectedMember*>& members, int into_fd,
                     ExtractResult& result) {
    BundleFile file = open_bundle_file(bundle_fd, archive_path);
    if (!file.fd) {
        for (const auto& [name, m] : members) {
            result.members.push_back({archive_path, name, "", file.error, 0});
        }
        return;
    }
    struct archive* a = archive_read_new();
    archive_read_support_format_zip_seekable(a);
    archive_read_add_passphrase(a, k_evidence_zip_password);
    std::map<std::string, bool> seen;
    if (archive_read_open_fd(a, file.fd.get(), 64 * 1024) != ARCHIVE_OK) {
        const char* why = archive_error_string(a);
        for (const auto& [name, m] : members) {
            result.members.push_back(
                {archive_path, name, "",
                 std::string("not a readable ZIP archive: ") + (why ? why : "unknown error"), 0});
        }
        archive_read_free(a);
        return;
    }
    struct archive_entry* entry = nullptr;
    int status = ARCHIVE_OK;
    while ((status = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
        const char* raw = archive_entry_pathname(entry);
        const std::string name = raw ? raw : "";
        auto it = members.find(name);
        if (it == members.end()) {
            // Not wanted (--sha256), or listed by no record: never written.
            continue;
        }
        ExtractedMember out{archive_path, name, "", "", 0};
        if (seen[name]) {
            out.problem = "the archive holds this member twice";
        } else {
            seen[name] = true;
            const std::string target = extract_target(*it->second);
            if (target.empty()) {
                out.problem = "unsafe member name";
            } else {
                write_member(a, *it->second, target, into_fd, out);
            }
        }
        result.members.push_back(std::move(out));
    }
    if (status != ARCHIVE_EOF) {
        const char* why = archive_error_string(a);
        result.members.push_back(
            {archive_path, "", "",
             std::string("the archive is damaged: ") + (why ? why : "unknown error"), 0});
    }
    for (const auto& [name, m] : members) {
        if (!seen.count(name)) {
            result.members.push_back({archive_path, name, "", "missing from the archive", 0});
        }
    }
    archive_read_free(a);
}

}  // namespace

size_t ExtractResult::refused() const {
    return static_cast<size_t>(std::count_if(members.begin(), members.end(),
                                             [](const auto& m) { return !m.problem.empty(); }));
}

std::string extract_target(const ExpectedMember& member) {
    // The window's specimens (activity) are the same records as samples' own.
    if (member.collector == "samples" || member.collector == "activity") {
        return is_hex_digest(member.member) ? "specimens/" + member.member : std::string();
    }
    if (member.collector == "memory" || member.collector == "physical_memory") {
        // One flat name the collector made ("pid42.core", "pid42_<start>-<end>.bin",
        // "physical_memory.lime"): anything
        // else (a separator, a hidden or over-long name) is a record someone edited.
        const std::string& name = member.member;
        const bool safe = !name.empty() && name.size() <= 255 && name.front() != '.' &&
                          std::all_of(name.begin(), name.end(), [](char c) {
                              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                     (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                          });
        return safe ? "memory/" + name : std::string();
    }
    // Files keep their host path (the member name, ASCII, escaped by the collector).
    const std::string& name = member.member;
    if (name.empty() || name.front() == '/' || name.size() > 4096) return {};
    size_t start = 0;
    while (start <= name.size()) {
        const size_t slash = name.find('/', start);
        const std::string part = name.substr(start, slash - start);
        if (part.empty() || part == "." || part == ".." ||
            part.find_first_of(std::string("\0\\", 2)) != std::string::npos) {
            return {};
        }
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c > 0x7e) return {};
    }
    return "files/" + name;
}

ExtractResult extract_bundle(const std::filesystem::path& bundle_dir,
                             const std::set<std::string>& wanted,
                             const std::filesystem::path& into) {
    ExtractResult result;
    std::vector<ExpectedMember> expected;
    json manifest;
    BundleSummary summary = read_bundle(
        bundle_dir, {"samples", "files", "memory", "physical_memory", "activity"},
        [&](const BundleLine& line) {
            json r = parse_untrusted_json(line.text);
            if (!r.is_object()) return;
            // A memory record's sha256 is its member's: the bytes as written (unreadable pages
            // are zeros), there is no host content apart from them.
            const bool memory = line.collector == "memory" || line.collector == "physical_memory";
            ExpectedMember m{std::string(line.collector), text_at(r, "archive"),
                             text_at(r, "member"), text_at(r, memory ? "sha256" : "member_sha256"),
                             text_at(r, "sha256")};
            if (m.archive.empty() || m.member.empty() || !is_hex_digest(m.member_sha256)) return;
            if (!wanted.empty() && !wanted.count(m.sha256) && !wanted.count(m.member_sha256)) {
                return;
            }
            expected.push_back(std::move(m));
        },
        &manifest);
    if (!summary.error.empty()) {
        result.error = summary.error;
        return result;
    }
    if (!summary.verified) {
        result.error = "the bundle does not verify (" + summary.verify_note +
                       "): nothing extracted; see irsnap verify";
        return result;
    }
    std::string why;
    UniqueFd bundle_fd = open_directory(bundle_dir, why);
    UniqueFd into_fd = open_directory(into, why);
    if (!bundle_fd || !into_fd) {
        result.error = why;
        return result;
    }
    std::map<std::string, std::map<std::string, const ExpectedMember*>> by_archive;
    for (const auto& m : expected) {
        if (m.archive.rfind("artifacts/", 0) != 0 || m.archive.find("..") != std::string::npos) {
            result.members.push_back({m.archive, m.member, "", "archive outside artifacts/", 0});
            continue;
        }
        by_archive[m.archive].emplace(m.member, &m);
    }
    for (const auto& [archive, members] : by_archive) {
        extract_archive(bundle_fd.get(), archive, members, into_fd.get(), result);
    }
    return result;
}

}  // namespace irsnap
