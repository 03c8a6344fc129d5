// SPDX-License-Identifier: Apache-2.0
// The custody log: events after collection (transfers, examinations), appended to
// `custody.jsonl` in a bundle directory and chained by SHA-256. docs/manifest.md defines the
// format; this header is the code's side of that page.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/verify.hpp"

namespace irsnap {

inline constexpr const char* k_custody_log = "custody.jsonl";
inline constexpr const char* k_custody_schema = "irsnap.custody/1";
/// A sealed bundle's custody log sits beside it: `<name>.tar.age.custody.jsonl`.
inline constexpr const char* k_sealed_custody_suffix = ".custody.jsonl";

/// Where the log's chain starts: taken from the manifest and its digest.
struct CustodyAnchor {
    std::string manifest_sha256;  ///< SHA-256 of manifest.json as it is on disk
    std::string link_sha256;      ///< what line 1's previous_sha256 must be
    int64_t last_sequence = 0;    ///< sequence of the manifest's last custody event
};

/// The anchor for `manifest` (parsed manifest.json) whose file digest is `manifest_sha256`.
/// The link is SHA-256(compact JSON of the manifest's last custody event + "\n"): the bytes
/// that event would have as a line of custody.jsonl. Throws std::runtime_error when the
/// manifest has no usable custody array.
CustodyAnchor custody_anchor(const nlohmann::json& manifest, const std::string& manifest_sha256);

/// Result of checking the log's text against its anchor.
struct CustodyCheck {
    std::vector<VerifyProblem> problems;  ///< path is "custody.jsonl line N"
    size_t events = 0;                    ///< complete lines read
    std::string last_line_sha256;         ///< SHA-256 of the last line's bytes (with "\n")
    int64_t last_sequence = 0;
    bool ok() const { return problems.empty(); }
};

/// Checks every line: complete (ends in "\n"), canonical JSON, own digest (`event_sha256`),
/// sequence, link to the previous line (or the anchor) and the manifest digest. Pure.
CustodyCheck check_custody_log(std::string_view text, const CustodyAnchor& anchor);

/// What a person records with `irsnap custody`.
struct CustodyEventInput {
    std::string event;  ///< transferred, received, examined ... ([a-z_], see valid_custody_event)
    std::string by, to, note;
    std::string host, user;  ///< where and as whom the event was recorded
    int64_t time_ns = 0;     ///< CLOCK_REALTIME when recorded
};

/// True for a lower-case word of [a-z_], 1 to 32 characters.
bool valid_custody_event(std::string_view event);

/// The exact line (with "\n") for the event that follows `tail` (or the anchor if the log is
/// empty). Pure: the same input gives the same bytes.
std::string make_custody_line(const CustodyEventInput& input, const CustodyAnchor& anchor,
                              const CustodyCheck& tail);

/// Reads manifest.json and custody.jsonl of a directory bundle and checks the chain. Called by
/// verify_bundle only when custody.jsonl exists. Reads only.
std::vector<VerifyProblem> verify_custody_log(const std::filesystem::path& bundle_dir);
/// The same on an open bundle directory (verify_bundle's own descriptor).
std::vector<VerifyProblem> verify_custody_log(int bundle_dir_fd);

/// The bundle does not verify (or the log is broken): nothing was appended.
class CustodyRefused : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct CustodyAppended {
    int64_t sequence = 0;
    std::string line_sha256;  ///< the next event's previous_sha256; for the paper form
    std::string time;
};

/// Appends one event to `bundle_dir`/custody.jsonl (created 0600 if missing) under an
/// exclusive flock, with one O_APPEND write and fsync; earlier lines are never rewritten.
/// Verifies the whole bundle first and throws CustodyRefused if it does not verify;
/// throws OutputError when the file cannot be written.
CustodyAppended append_custody_event(const std::filesystem::path& bundle_dir,
                                     const CustodyEventInput& input);

/// The same for a sealed bundle (.tar.age), which nobody without the key can verify: the chain
/// lives beside it in `<file>.custody.jsonl`, anchored on the sealed file's SHA-256 (line 1's
/// previous_sha256 and every line's manifest_sha256 hold it). Refused when the file no longer
/// has the digest its chain records.
/// The chain beside a sealed bundle checked against the file's digest now; empty when there is
/// no chain beside it. Problems are named "<file>.custody.jsonl line N".
std::vector<VerifyProblem> verify_sealed_custody_log(const std::filesystem::path& sealed_file);

CustodyAppended append_sealed_custody_event(const std::filesystem::path& sealed_file,
                                            const CustodyEventInput& input);

}  // namespace irsnap
