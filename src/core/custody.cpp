// SPDX-License-Identifier: Apache-2.0
// custody.jsonl: check and append. The format is defined in docs/manifest.md ("custody.jsonl").
#include "irsnap/custody.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/artifact_writer.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/hash.hpp"

namespace irsnap {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* k_string_fields[] = {
    "schema",          "event",           "by",          "to", "note", "time", "host", "user",
    "manifest_sha256", "previous_sha256", "event_sha256"};

/// SHA-256 of the event without its own digest: what event_sha256 holds.
std::string event_digest(json event) {
    event.erase("event_sha256");
    return sha256_hex(event.dump());
}

std::string line_path(size_t line) {
    return fmt::format("{} line {}", k_custody_log, line);
}

/// Empty when the event has every field with the right type; else what is wrong.
std::string shape_error(const json& e) {
    if (!e.is_object()) return "not a JSON object";
    for (const char* field : k_string_fields) {
        auto it = e.find(field);
        if (it == e.end() || !it->is_string())
            return fmt::format("'{}' missing or not text", field);
    }
    auto seq = e.find("sequence");
    if (seq == e.end() || !seq->is_number_integer()) return "'sequence' missing or not an integer";
    if (e["schema"] != k_custody_schema) {
        return fmt::format("schema '{}', expected '{}'", e["schema"].get<std::string>(),
                           k_custody_schema);
    }
    return "";
}

/// The whole file through one descriptor; a symlink or a non-regular file is refused.
std::string read_file(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        throw std::runtime_error(fmt::format("{}: {}", path.string(), std::strerror(errno)));
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw std::runtime_error(fmt::format("{}: {}", path.string(), std::strerror(err)));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

CustodyAnchor anchor_from_bundle(const fs::path& dir) {
    std::string text = read_file(dir / "manifest.json");
    json manifest = json::parse(text, nullptr, false);
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
int open_log(const fs::path& path, bool* created) {
    *created = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
        int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 || errno != ENOENT) return fd;
        fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_CREAT | O_EXCL,
                    0600);
        if (fd >= 0) {
            *created = true;
            return fd;
        }
        if (errno != EEXIST) return fd;  // another append created it meanwhile: open it
    }
    return -1;
}

/// Closes the descriptor on every path out of append_custody_event.
struct FdGuard {
    int fd;
    ~FdGuard() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

CustodyAnchor custody_anchor(const json& manifest, const std::string& manifest_sha256) {
    auto custody = manifest.find("custody");
    if (custody == manifest.end() || !custody->is_array() || custody->empty() ||
        !custody->back().is_object()) {
        throw std::runtime_error("manifest.json has no custody events to link to");
    }
    const json& last = custody->back();
    auto seq = last.find("sequence");
    if (seq == last.end() || !seq->is_number_integer()) {
        throw std::runtime_error("manifest.json's last custody event has no sequence");
    }
    // The manifest event hashed as if it were line 0 of custody.jsonl, so one rule links
    // every line to the one before it.
    return {manifest_sha256, sha256_hex(last.dump() + "\n"), seq->get<int64_t>()};
}

CustodyCheck check_custody_log(std::string_view text, const CustodyAnchor& anchor) {
    CustodyCheck check;
    std::string expected_previous = anchor.link_sha256;
    bool previous_edited = false;
    size_t start = 0;
    size_t line_no = 0;
    while (start < text.size()) {
        ++line_no;
        size_t newline = text.find('\n', start);
        if (newline == std::string_view::npos) {
            // A cut-short write, or bytes added at the end by hand.
            check.problems.push_back(
                {line_path(line_no), "incomplete",
                 "the last line has no line end: a write was cut short or the file was edited"});
            break;
        }
        const std::string_view bytes = text.substr(start, newline + 1 - start);
        start = newline + 1;
        ++check.events;
        const std::string line_sha = sha256_hex(bytes);
        const std::string path = line_path(line_no);

        json e = json::parse(bytes, nullptr, false);
        std::string edited;
        if (e.is_discarded()) {
            edited = "not valid JSON";
        } else if (std::string shape = shape_error(e); !shape.empty()) {
            edited = shape;
        } else if (e.dump() + "\n" != bytes) {
            edited = "not in the exact form irsnap writes: bytes were changed";
        } else if (event_digest(e) != e["event_sha256"].get<std::string>()) {
            edited = "its content does not match its event_sha256";
        }
        if (!edited.empty()) {
            // Its other fields cannot be trusted, so they are not checked.
            check.problems.push_back({path, "edited", edited});
        } else {
            const auto previous = e["previous_sha256"].get<std::string>();
            // After an edited line the link is bound to fail; that line is already named.
            if (previous != expected_previous && !previous_edited) {
                check.problems.push_back(
                    {path, "broken link",
                     line_no == 1
                         ? std::string("previous_sha256 does not link to the manifest's "
                                       "collection event: an earlier event was removed, or "
                                       "lines were reordered")
                         : fmt::format("previous_sha256 is not the SHA-256 of line {}: line {} "
                                       "was changed, or a line was removed or reordered",
                                       line_no - 1, line_no - 1)});
            }
            const int64_t expected_seq = anchor.last_sequence + static_cast<int64_t>(line_no);
            const auto seq = e["sequence"].get<int64_t>();
            if (seq != expected_seq) {
                check.problems.push_back(
                    {path, "out of sequence",
                     fmt::format("sequence {}, expected {}: a line was removed, added or "
                                 "reordered",
                                 seq, expected_seq)});
            }
            const auto manifest_sha = e["manifest_sha256"].get<std::string>();
            if (manifest_sha != anchor.manifest_sha256) {
                check.problems.push_back(
                    {path, "wrong manifest digest",
                     fmt::format("manifest_sha256 {}, but manifest.json has {}", manifest_sha,
                                 anchor.manifest_sha256)});
            }
        }
        previous_edited = !edited.empty();
        expected_previous = line_sha;
        check.last_line_sha256 = line_sha;
    }
    check.last_sequence = anchor.last_sequence + static_cast<int64_t>(check.events);
    return check;
}

bool valid_custody_event(std::string_view event) {
    if (event.empty() || event.size() > 32) return false;
    for (char c : event) {
        if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
    }
    return true;
}

std::string make_custody_line(const CustodyEventInput& in, const CustodyAnchor& anchor,
                              const CustodyCheck& tail) {
    json e = {
        {"schema", k_custody_schema},
        {"sequence", anchor.last_sequence + static_cast<int64_t>(tail.events) + 1},
        {"event", in.event},
        {"by", in.by},
        {"to", in.to},
        {"note", in.note},
        {"time", format_rfc3339_utc(in.time_ns)},
        {"host", in.host},
        {"user", in.user},
        {"manifest_sha256", anchor.manifest_sha256},
        {"previous_sha256", tail.events == 0 ? anchor.link_sha256 : tail.last_line_sha256},
    };
    e["event_sha256"] = event_digest(e);
    return e.dump() + "\n";
}

std::vector<VerifyProblem> verify_custody_log(const fs::path& dir) {
    try {
        CustodyAnchor anchor = anchor_from_bundle(dir);
        return check_custody_log(read_file(dir / k_custody_log), anchor).problems;
    } catch (const std::exception& e) {
        return {{k_custody_log, "unreadable", e.what()}};
    }
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

    const fs::path path = dir / k_custody_log;
    bool created = false;
    FdGuard log{open_log(path, &created)};
    if (log.fd < 0) {
        throw OutputError(k_custody_log, errno,
                          fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    }
    // Two people recording at once must not both link to the same previous line.
    if (::flock(log.fd, LOCK_EX) != 0) {
        throw OutputError(k_custody_log, errno,
                          fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(log.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        throw OutputError(k_custody_log, errno,
                          fmt::format("{} is not a regular file", path.string()));
    }
    const std::string text = read_fd_from_start(log.fd, static_cast<size_t>(st.st_size));
    CustodyAnchor anchor;
    try {
        anchor = anchor_from_bundle(dir);
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
        ssize_t n = ::write(log.fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            // Take back only our own partial bytes, so the log stays a chain of whole lines.
            if (done > 0 && ::ftruncate(log.fd, st.st_size) != 0) {
                throw OutputError(k_custody_log, errno,
                                  fmt::format("cannot write {}: {}; a partial line was left "
                                              "at its end",
                                              path.string(), std::strerror(err)));
            }
            throw OutputError(
                k_custody_log, errno,
                fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(log.fd) != 0) {
        throw OutputError(k_custody_log, errno,
                          fmt::format("cannot fsync {}: {}; the event may not be on disk",
                                      path.string(), std::strerror(errno)));
    }
    if (created) {
        // A new file's name lives in the directory: make it durable too.
        int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0) {
            ::fsync(dir_fd);
            ::close(dir_fd);
        }
    }
    return {anchor.last_sequence + static_cast<int64_t>(tail.events) + 1, sha256_hex(line),
            format_rfc3339_utc(event.time_ns)};
}

}  // namespace irsnap
