// SPDX-License-Identifier: Apache-2.0
// verify and unpack for bundles that arrived as a tar stream (`irsnap -o - > host.tar`).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/sealed_input.hpp"
#include "irsnap/tar_members.hpp"
#include "irsnap/tar_reader.hpp"
#include "irsnap/verify.hpp"

namespace irsnap {
namespace {

/// Hashes every member as it streams past and remembers what verify needs; optionally hands
/// each verified member to an extractor.
class Checker : public TarVisitor {
  public:
    void begin(const TarMember& member) override {
        m_current.clear();
        std::string why;
        std::string rel = m_names.accept(member, why);
        if (rel.empty()) {
            m_problems.push_back({member.name, "unexpected", why});
            return;
        }
        if (member.typeflag == '5') {
            if (rel != "." && rel != "artifacts") {
                m_problems.push_back({rel + "/", "unexpected", "directory not in a bundle"});
            }
            return;
        }
        if (!is_regular_member(member)) {
            m_problems.push_back(
                {rel, "unexpected",
                 std::string("not a regular file (tar type '") + member.typeflag + "')"});
            return;
        }
        m_current = rel;
        m_hash = std::make_unique<Sha256>();
        m_bytes = 0;
        m_keep = rel == "manifest.json" || rel == "manifest.json.sha256";
        m_kept.clear();
        on_begin(rel, member);
    }

    void data(std::string_view bytes) override {
        if (m_current.empty()) return;
        m_hash->update(bytes);
        m_bytes += bytes.size();
        if (m_keep && m_kept.size() + bytes.size() <= k_max_manifest_bytes) m_kept.append(bytes);
        on_data(bytes);
    }

    void end() override {
        if (m_current.empty()) return;
        FileDigest d;
        d.sha256 = m_hash->finish_hex();
        d.bytes = m_bytes;
        m_digests[m_current] = d;
        if (m_keep) m_texts[m_current] = std::move(m_kept);
        on_end(m_current, d);
        m_current.clear();
    }

    const std::string& top() const { return m_names.top(); }
    std::vector<VerifyProblem> m_problems;
    std::map<std::string, FileDigest> m_digests;
    std::map<std::string, std::string> m_texts;

  protected:
    virtual void on_begin(const std::string&, const TarMember&) {}
    virtual void on_data(std::string_view) {}
    virtual void on_end(const std::string&, const FileDigest&) {}

  private:
    TarMemberNames m_names;
    std::string m_current;
    std::unique_ptr<Sha256> m_hash;
    uint64_t m_bytes = 0;
    bool m_keep = false;
    std::string m_kept;
};

std::string strip_top(const std::string& name, const std::string& top) {
    if (!top.empty() && name.rfind(top + "/", 0) == 0) return name.substr(top.size() + 1);
    return name;
}

VerifyReport verify_with(int fd, Checker& checker) {
    VerifyReport report;
    TarReader reader(checker);
    int read_error = feed_from_fd(fd, reader);
    const TarEnd end = reader.finish();

    BundleListing listing;
    for (const auto& [rel, d] : checker.m_digests) listing.files.insert(rel);
    listing.digest = [&](const std::string& rel) { return checker.m_digests.at(rel); };
    listing.read_text = [&](const std::string& rel) {
        auto it = checker.m_texts.find(rel);
        return it == checker.m_texts.end() ? std::string() : it->second;
    };
    report.problems = checker.m_problems;
    check_against_manifest(report, listing);

    // The cut goes first: it explains the missing files that follow it in the list.
    const std::string top = checker.top();
    if (read_error != 0) {
        report.problems.insert(report.problems.begin(),
                               {"(stream)", "unreadable", std::strerror(read_error)});
    } else if (!end.end_marker) {
        const std::string last =
            end.last_complete.empty() ? "none" : strip_top(end.last_complete, top);
        std::string where;
        if (!end.error.empty()) {
            where = "malformed tar at byte " + std::to_string(end.offset) + ": " + end.error;
        } else if (!end.cut_in.empty()) {
            where = "the stream ends at byte " + std::to_string(end.offset) + " inside " +
                    strip_top(end.cut_in, top) + " (" + std::to_string(end.cut_member_bytes) +
                    " of " + std::to_string(end.cut_member_size) + " bytes)";
        } else {
            where = "the stream ends at byte " + std::to_string(end.offset) +
                    " without the end-of-archive marker";
        }
        report.problems.insert(
            report.problems.begin(),
            {end.cut_in.empty() ? "(stream)" : strip_top(end.cut_in, top), "incomplete",
             where + "; last complete member: " + last +
                 " (a dropped connection or a killed run)"});
    }
    return report;
}

/// Writes each member under `into` while it is hashed again, so what lands on disk is exactly
/// what this pass read, and compares with the verifying pass.
class Extractor final : public Checker {
  public:
    Extractor(int into_fd, const std::map<std::string, FileDigest>& verified)
        : m_into_fd(into_fd), m_verified(verified) {}
    ~Extractor() override {
        if (m_fd >= 0) ::close(m_fd);
        if (m_artifacts_fd >= 0) ::close(m_artifacts_fd);
        if (m_top_fd >= 0) ::close(m_top_fd);
    }
    std::string m_error;
    std::string m_created;
    size_t m_extracted = 0;

  protected:
    void on_begin(const std::string& rel, const TarMember&) override {
        if (!m_error.empty()) return;
        if (!m_verified.count(rel)) {
            m_error = rel + " was not in the verified stream";
            return;
        }
        if (m_top_fd < 0 && !make_dirs()) return;
        int dir_fd = m_top_fd;
        std::string base = rel;
        if (rel.rfind("artifacts/", 0) == 0) {
            dir_fd = m_artifacts_fd;
            base = rel.substr(10);
        }
        if (base.empty() || base.find('/') != std::string::npos) {
            m_error = rel + ": unexpected nesting";
            return;
        }
        // O_EXCL and O_NOFOLLOW: never overwrite, never follow a link planted in the target.
        m_fd = ::openat(dir_fd, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0600);
        if (m_fd < 0) m_error = "cannot create " + m_created + "/" + rel + ": " + strerror(errno);
    }

    void on_data(std::string_view bytes) override {
        if (m_fd < 0) return;
        while (!bytes.empty()) {
            ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                m_error = "cannot write " + m_created + ": " + strerror(errno);
                ::close(m_fd);
                m_fd = -1;
                return;
            }
            bytes.remove_prefix(static_cast<size_t>(n));
        }
    }

    void on_end(const std::string& rel, const FileDigest& d) override {
        if (m_fd < 0) return;
        if (::fsync(m_fd) != 0 && errno != EINVAL && m_error.empty()) {
            m_error = "cannot write " + m_created + "/" + rel + ": " + strerror(errno);
        }
        ::close(m_fd);
        m_fd = -1;
        ++m_extracted;
        const auto& v = m_verified.at(rel);
        if (m_error.empty() && (v.sha256 != d.sha256 || v.bytes != d.bytes)) {
            m_error = rel + " changed between the verifying and the extracting pass";
        }
    }

  private:
    bool make_dirs() {
        const std::string top = this->top();
        if (::mkdirat(m_into_fd, top.c_str(), 0700) != 0) {
            m_error = "cannot create " + top + ": " + strerror(errno) +
                      (errno == EEXIST ? " (refusing to overwrite: remove it or choose another "
                                         "directory)"
                                       : "");
            return false;
        }
        m_created = top;
        m_top_fd =
            ::openat(m_into_fd, top.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (m_top_fd < 0 || ::mkdirat(m_top_fd, "artifacts", 0700) != 0 ||
            (m_artifacts_fd = ::openat(m_top_fd, "artifacts",
                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
            m_error = "cannot create " + top + "/artifacts: " + strerror(errno);
            return false;
        }
        return true;
    }

    int m_into_fd;
    const std::map<std::string, FileDigest>& m_verified;
    int m_top_fd = -1;
    int m_artifacts_fd = -1;
    int m_fd = -1;
};

}  // namespace

VerifyReport verify_tar(int fd) {
    Checker checker;
    return verify_with(fd, checker);
}

UnpackResult unpack_tar(const std::filesystem::path& tar_path, const std::filesystem::path& into) {
    UnpackResult result;
    // Two passes over the file (verify, then extract); a sealed one is decrypted for each.
    TarInput first = TarInput::open(tar_path);
    if (!first) {
        result.error = first.error();
        result.open_failed = true;
        result.integrity = first.integrity_failure();
        return result;
    }
    Checker checker;
    result.report = verify_with(first.fd(), checker);
    first.finish_into(result.report);
    if (!result.report.ok()) {
        result.error = "the stream does not verify; nothing was extracted";
        return result;
    }
    std::string why;
    UniqueFd into_dir = open_directory(into, why);
    TarInput second = into_dir ? TarInput::open(tar_path) : TarInput();
    if (!into_dir || !second) {
        result.error = "cannot use " + into.string() + ": " + (into_dir ? second.error() : why);
        return result;
    }
    Extractor extractor(into_dir.get(), checker.m_digests);
    TarReader reader(extractor);
    int read_error = feed_from_fd(second.fd(), reader);
    reader.finish();
    if (read_error != 0 && extractor.m_error.empty()) {
        extractor.m_error = tar_path.string() + ": " + std::strerror(read_error);
    }
    if (const std::string sealed = second.finish(); !sealed.empty() && extractor.m_error.empty()) {
        extractor.m_error = sealed;
    }
    if (extractor.m_error.empty() && extractor.m_extracted != checker.m_digests.size()) {
        extractor.m_error = tar_path.string() + " changed after it was verified: " +
                            std::to_string(extractor.m_extracted) + " of " +
                            std::to_string(checker.m_digests.size()) + " files extracted";
    }
    result.error = extractor.m_error;
    if (!extractor.m_created.empty()) result.bundle_dir = (into / extractor.m_created).string();
    return result;
}

}  // namespace irsnap
