// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/verify.hpp"

namespace irsnap {

/// One line of an artifact, as the analysis commands (triage, stack, export) see it.
struct BundleLine {
    std::string_view collector;  ///< from the artifact's name: artifacts/NN_<collector>.jsonl
    std::string_view artifact;   ///< path inside the bundle, e.g. "artifacts/07_processes.jsonl"
    uint64_t line = 0;           ///< 1-based, so evidence can point at it (`sed -n Np`)
    std::string_view text;       ///< the JSON object, without its newline
};

/// An artifact whose records (non-empty, newline-terminated lines) as read differ from the
/// manifest's `artifacts[].records`.
struct RecordCountMismatch {
    std::string artifact;  ///< "artifacts/07_processes.jsonl"
    uint64_t manifest = 0;
    uint64_t read = 0;
};

/// What the analysis commands know of a bundle besides its lines.
struct BundleSummary {
    std::string source;     ///< the path as given
    std::string name;       ///< bundle name (`<host>_<UTC time>`), from the manifest or path
    std::string host;       ///< manifest host.hostname; the name's host part without one
    std::string collected;  ///< manifest clock.start.realtime (RFC 3339), "" when unknown
    int64_t collected_unix_ns = 0;
    std::string status;  ///< manifest status: complete, partial, interrupted ...
    /// every digest matches its manifest (irsnap verify says ok) and every artifact read holds
    /// as many records as the manifest lists
    bool verified = false;
    std::string verify_note;  ///< first problem in one line when not verified
    std::string error;        ///< the bundle could not be read at all, or is no bundle ("" else)
    /// artifacts read (of the collectors the command wanted) whose record count differs from
    /// the manifest; any makes `verified` false and is named in `verify_note`
    std::vector<RecordCountMismatch> record_mismatches;
    uint64_t oversized_lines = 0;  ///< artifact lines over k_max_line_bytes, skipped unread
    /// The first few of them, "artifacts/07_processes.jsonl line 12: 536870912 bytes, over the
    /// 16 MiB record limit", for the analyst to look at with other tools.
    std::vector<std::string> line_errors;
};

/// Longest artifact line (one record) the analysis commands read. irsnap's largest real
/// records (a process with a long environment, a big autorun) are tens of KiB; a longer line is
/// reported and skipped, so a crafted bundle cannot make triage, stack or export hold gigabytes.
inline constexpr size_t k_max_line_bytes = size_t{16} << 20;
/// How many oversized lines a summary names (the count is always exact).
inline constexpr size_t k_line_errors_kept = 10;

/// Splits an artifact's byte stream into lines and hands on each non-empty one. Memory is
/// bounded by `max_line_bytes`: past it the line is no longer kept, the rest of it up to the
/// next newline is skipped, and `on_oversized` hears its artifact, line number and full length.
/// Pure (no I/O), so tests and the fuzzer drive it with a small cap.
class LineSplitter {
  public:
    using LineHandler = std::function<void(const BundleLine&)>;
    using OversizedHandler =
        std::function<void(std::string_view artifact, uint64_t line, uint64_t bytes)>;
    explicit LineSplitter(LineHandler on_line, OversizedHandler on_oversized = {},
                          size_t max_line_bytes = k_max_line_bytes);

    void start(std::string artifact, std::string collector);
    void feed(std::string_view bytes);
    /// A last line without its newline (a cut artifact) is still read, but is not a record the
    /// manifest counted (the writer counts newline-terminated lines).
    void finish();
    /// Non-empty, newline-terminated lines per artifact, oversized ones included: what the
    /// manifest calls records.
    const std::map<std::string, uint64_t>& counts() const { return m_counts; }

  private:
    void end_line(bool terminated);
    void emit(std::string_view text, bool terminated);

    LineHandler m_on_line;
    OversizedHandler m_on_oversized;
    size_t m_max_line_bytes;
    std::string m_artifact;
    std::string m_collector;
    std::string m_pending;
    uint64_t m_line = 0;
    bool m_oversized = false;  ///< the current line passed the cap: its bytes are dropped
    uint64_t m_oversized_bytes = 0;
    std::map<std::string, uint64_t> m_counts;
    uint64_t* m_records = nullptr;  ///< the current artifact's entry in m_counts
};

/// The collector an artifact path belongs to ("artifacts/07_processes.jsonl" -> "processes"),
/// or "" for anything that is not an artifact.
std::string_view collector_of_artifact(std::string_view path);

/// The host part of a bundle name `<host>_<YYYYMMDDTHHMMSSZ>[_N]`, for bundles without a
/// readable manifest.
std::string host_from_bundle_name(const std::string& name);

/// The string at a path of keys in a manifest ({"host", "hostname"}), "" when absent or not a
/// string: manifests come from bundles nobody vouches for.
std::string manifest_text(const nlohmann::json& manifest, std::initializer_list<const char*> keys);

/// Reads a bundle (a directory `irsnap collect` wrote, or a tar file `-o -` produced): verifies
/// it first, then hands every line of every artifact whose collector is in `wanted` (all when
/// empty) to `on_line`, in file order. A bundle that fails verification is still read (the
/// analyst decides) and says so in the summary. Lines are streamed: memory does not grow with
/// the bundle. `manifest`, when given, receives manifest.json (null when absent or not JSON).
/// A path that is not a bundle (bundle_fs.hpp's probe_bundle: /etc, a text file, a FIFO) is not
/// read at all: `error` says so.
BundleSummary read_bundle(const std::filesystem::path& path, const std::set<std::string>& wanted,
                          const std::function<void(const BundleLine&)>& on_line,
                          nlohmann::json* manifest = nullptr);

/// `record_mismatches` as JSON for --json outputs: [{artifact, manifest, read}].
nlohmann::json record_mismatches_json(const BundleSummary& summary);

/// The first mismatch in one line ("" when none), for warnings on stderr.
std::string record_mismatch_text(const BundleSummary& summary);

}  // namespace irsnap
