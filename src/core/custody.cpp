// SPDX-License-Identifier: Apache-2.0
// custody.jsonl on disk: read it for verify, append to it for `irsnap custody`. The chain rules
// are in custody_chain.cpp; the format is defined in docs/manifest.md ("custody.jsonl").
#include "irsnap/custody.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/artifact_writer.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/file_hash.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// A whole small file of the bundle, through bundle_fs (no symlink, no FIFO, at most the cap).
std::string read_file(int dir_fd, const char* rel) {
    std::string error;
    std::string text = read_bundle_text(dir_fd, rel, k_max_manifest_bytes, error);
    if (!error.empty()) throw std::runtime_error(fmt::format("{}: {}", rel, error));
    return text;
}

CustodyAnchor anchor_from_bundle(int dir_fd) {
    std::string text = read_file(dir_fd, "manifest.json");
    json manifest = parse_untrusted_json(text);
    if (manifest.is_discarded()) throw std::runtime_error("manifest.json is not valid JSON");
    return custody_anchor(manifest, sha256_hex(text));
}

std::string read_fd_from_start(int fd, size_t size) {
    std::string out(size, '\0');
    size_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw OutputError(k_custody_log, errno,
                              fmt::format("cannot read {}: {}", k_custody_log,
                                          n < 0 ? std::strerror(errno) : "short read"));
        done += static_cast<size_t>(n);
    }
    return out;
}

/// Opens custody.jsonl for appending, creating it (0600, never through a symlink) if missing.
/// An existing one must be a regular file: a FIFO planted there would block the append.
UniqueFd open_log(int dir_fd, const char* log_name, bool* created, std::string& error) {
    *created = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
        BundleFile file = open_bundle_file(dir_fd, log_name, O_RDWR | O_APPEND);
        if (file.fd || file.errno_value != ENOENT) {
            error = file.error;
            return std::move(file.fd);
        }
        UniqueFd fd(::openat(dir_fd, log_name,
                             O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_CREAT | O_EXCL, 0600));
        if (fd) {
            *created = true;
            return fd;
        }
        error = std::strerror(errno);
        if (errno != EEXIST) return fd;  // another append created it meanwhile: open it
    }
    return {};
}

/// Appends one event to `log_name` in `dir_fd` (the chain anchored by `make_anchor`), under an
/// exclusive lock, in one O_APPEND write, fsynced.
CustodyAppended append_event(int dir_fd, const char* log_name, const fs::path& path,
                             const std::function<CustodyAnchor()>& make_anchor,
                             const CustodyEventInput& input) {
    std::string error;
    bool created = false;
    UniqueFd log_fd = open_log(dir_fd, log_name, &created, error);
    if (!log_fd) {
        throw OutputError(log_name, errno, fmt::format("cannot open {}: {}", path.string(), error));
    }
    // Two people recording at once must not both link to the same previous line.
    if (::flock(log_fd.get(), LOCK_EX) != 0) {
        throw OutputError(log_name, errno,
                          fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(log_fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        throw OutputError(log_name, errno, fmt::format("{} is not a regular file", path.string()));
    }
    if (static_cast<uint64_t>(st.st_size) > k_max_manifest_bytes) {
        throw CustodyRefused(
            fmt::format("{}: {} bytes, over the {} MiB limit; nothing was recorded", path.string(),
                        st.st_size, k_max_manifest_bytes >> 20));
    }
    const std::string text = read_fd_from_start(log_fd.get(), static_cast<size_t>(st.st_size));
    CustodyAnchor anchor;
    try {
        anchor = make_anchor();
    } catch (const std::exception& e) {
        throw CustodyRefused(e.what());
    }
    // Checked again under the lock: the log may have changed since verify_bundle read it.
    CustodyCheck tail = check_custody_log(text, anchor);
    if (!tail.ok()) {
        const auto& p = tail.problems.front();
        throw CustodyRefused(
            fmt::format("{}: {} ({}); nothing was recorded", p.path, p.problem, p.detail));
    }

    CustodyEventInput event = input;
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    event.time_ns = static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
    const std::string line = make_custody_line(event, anchor, tail);

    size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(log_fd.get(), line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            // Take back only our own partial bytes, so the log stays a chain of whole lines.
            if (done > 0 && ::ftruncate(log_fd.get(), st.st_size) != 0) {
                throw OutputError(log_name, errno,
                                  fmt::format("cannot write {}: {}; a partial line was left "
                                              "at its end",
                                              path.string(), std::strerror(err)));
            }
            throw OutputError(
                log_name, errno,
                fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(log_fd.get()) != 0) {
        throw OutputError(log_name, errno,
                          fmt::format("cannot fsync {}: {}; the event may not be on disk",
                                      path.string(), std::strerror(errno)));
    }
    if (created) {
        // A new file's name lives in the directory: make it durable too.
        ::fsync(dir_fd);
    }
    return {anchor.last_sequence + static_cast<int64_t>(tail.events) + 1, sha256_hex(line),
            format_rfc3339_utc(event.time_ns)};
}

}  // namespace

std::vector<VerifyProblem> verify_custody_log(int dir_fd) {
    try {
        CustodyAnchor anchor = anchor_from_bundle(dir_fd);
        return check_custody_log(read_file(dir_fd, k_custody_log), anchor).problems;
    } catch (const std::exception& e) {
        return {{k_custody_log, "unreadable", e.what()}};
    }
}

std::vector<VerifyProblem> verify_custody_log(const fs::path& dir) {
    std::string error;
    UniqueFd dir_fd = open_directory(dir, error);
    if (!dir_fd) return {{k_custody_log, "unreadable", error}};
    return verify_custody_log(dir_fd.get());
}

CustodyAppended append_custody_event(const fs::path& dir, const CustodyEventInput& input) {
    VerifyReport report = verify_bundle(dir);
    if (!report.ok()) {
        const auto& first = report.problems.empty()
                                ? VerifyProblem{"manifest.json", "unverified", ""}
                                : report.problems.front();
        throw CustodyRefused(fmt::format(
            "{} does not verify ({} problem(s), first: {}: {}); nothing was recorded (run "
            "'irsnap verify {}')",
            dir.string(), report.problems.size(), first.path, first.problem, dir.string()));
    }

    std::string error;
    UniqueFd dir_fd = open_directory(dir, error);
    if (!dir_fd)
        throw OutputError(k_custody_log, errno, fmt::format("{}: {}", dir.string(), error));
    const int fd = dir_fd.get();
    return append_event(
        fd, k_custody_log, dir / k_custody_log, [fd] { return anchor_from_bundle(fd); }, input);
}

namespace {

/// The sealed file's SHA-256 (the anchor of its chain); throws std::runtime_error.
std::string sealed_file_sha256(const fs::path& sealed_file) {
    BundleFile file = open_input_file(sealed_file);
    if (!file.fd) throw std::runtime_error(sealed_file.string() + ": " + file.error);
    FileHash hash = hash_fd(file.fd.get(), file.size, 0, nullptr);
    if (!hash.sha256) {
        throw std::runtime_error(sealed_file.string() + ": cannot read it (" + hash.note + ")");
    }
    return *hash.sha256;
}

fs::path parent_of(const fs::path& file) {
    return file.has_parent_path() ? file.parent_path() : fs::path(".");
}

}  // namespace

std::vector<VerifyProblem> verify_sealed_custody_log(const fs::path& sealed_file) {
    const std::string log_name = sealed_file.filename().string() + k_sealed_custody_suffix;
    std::error_code ec;
    if (fs::symlink_status(parent_of(sealed_file) / log_name, ec).type() ==
        fs::file_type::not_found) {
        return {};
    }
    try {
        const std::string digest = sealed_file_sha256(sealed_file);
        std::string error;
        UniqueFd dir = open_directory(parent_of(sealed_file), error);
        if (!dir) throw std::runtime_error(error);
        auto problems = check_custody_log(read_file(dir.get(), log_name.c_str()),
                                          CustodyAnchor{digest, digest, 0})
                            .problems;
        const std::string plain_name = k_custody_log;
        for (auto& p : problems) {
            if (p.path.rfind(plain_name, 0) == 0) p.path.replace(0, plain_name.size(), log_name);
        }
        return problems;
    } catch (const std::exception& e) {
        return {{log_name, "unreadable", e.what()}};
    }
}

CustodyAppended append_sealed_custody_event(const fs::path& sealed_file,
                                            const CustodyEventInput& input) {
    // Without the key only the sealed bytes can be vouched for: their digest anchors the chain
    // and every line repeats it, so a file changed after an event no longer matches its log.
    std::string digest;
    try {
        digest = sealed_file_sha256(sealed_file);
    } catch (const std::exception& e) {
        throw CustodyRefused(std::string(e.what()) + "; nothing was recorded");
    }
    const fs::path parent = parent_of(sealed_file);
    const std::string log_name = sealed_file.filename().string() + k_sealed_custody_suffix;
    std::string error;
    UniqueFd dir_fd = open_directory(parent, error);
    if (!dir_fd) throw OutputError(log_name, errno, fmt::format("{}: {}", parent.string(), error));
    return append_event(
        dir_fd.get(), log_name.c_str(), parent / log_name,
        [digest] {
            return CustodyAnchor{digest, digest, 0};
        },
        input);
}

}  // namespace irsnap
