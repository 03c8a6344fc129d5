// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/bundle_reader.hpp"

namespace irsnap::triage {

/// How soon an analyst should look: critical (now), high, medium, low (when time allows).
enum class Urgency { critical, high, medium, low };
/// How sure the rule is that the finding is malicious rather than unusual.
enum class Confidence { high, medium, low };

std::string_view to_string(Urgency u);
std::string_view to_string(Confidence c);

/// One record a finding rests on: where it is (artifact and 1-based line, so `sed -n Np`
/// shows it) and the record's identifying fields.
struct Evidence {
    std::string artifact;
    uint64_t line = 0;
    nlohmann::json fields;  ///< e.g. pid, name, exe_path; never the whole record
};

/// A specimen a finding names: a `samples` record (a suspicious file's content, copied into the
/// bundle's password-protected archive, or the reason it was not) whose SHA-256, place or
/// sources match the finding's evidence. Joined after the rules ran (rules_samples.cpp).
struct SpecimenRef {
    std::string sha256;       ///< "" when the content could not be hashed
    std::string path;         ///< the record's first host path, "" for content with no path
    std::string status;       ///< copied, or why not (budget, too_large, denied ...)
    std::string status_note;  ///< the record's details of the status
    std::string archive;      ///< "artifacts/11_samples.zip"; "" when nothing was stored
    std::string member;       ///< its member in the archive (the SHA-256); "" without one
    std::string artifact;     ///< the samples record's place (artifact and 1-based line)
    uint64_t line = 0;
    /// How the evidence names it, strongest first: `record` (the evidence is this record),
    /// `sha256` (an exe_sha256, sha256 or target_sha256 equals it), `exe` (it is the executable
    /// of a process the evidence names), `path` (a path it was seen under) or `held` (a process
    /// the evidence names maps it or holds it open).
    std::string match;
};

/// A memory record (`memory` collector: a whole-process dump or one anonymous executable region)
/// of a process a finding's evidence names. Joined after the rules ran (memory_index.cpp).
struct MemoryRef {
    std::string kind;  ///< dump | region
    int64_t pid = -1;
    std::string format;                   ///< dumps: elf_core | minidump
    std::string start, end, permissions;  ///< regions: "0x7f00..." (hex), "rwxp"
    std::string archive;                  ///< "artifacts/12_memory.zip"; "" when nothing stored
    std::string member;                   ///< "pid42.core", "pid42_<start>-<end>.bin"; "" without
    std::string sha256;                   ///< of the member's bytes; "" without one
    std::string status;                   ///< dumped, partial, budget, denied ...
    std::string artifact;                 ///< the memory record's place (1-based line)
    uint64_t line = 0;
    /// How the evidence names it, strongest first: `range` (a region overlapping an address
    /// range the evidence lists: IRS-MEM-001's anonymous executable ranges), `dump` (a dump of a
    /// process the evidence names), `pid` (a captured region of such a process).
    std::string match;
};

struct Finding {
    std::string rule_id;
    std::string title;
    Urgency urgency = Urgency::medium;
    Confidence confidence = Confidence::medium;
    std::string attack;  ///< MITRE ATT&CK technique id ("T1620"), "" when none fits
    std::string why;     ///< one line, specific to this finding
    std::vector<Evidence> evidence;
    /// Specimens of what the evidence names, strongest match first (at most
    /// k_max_specimens_per_finding); empty when the bundle holds none for it.
    std::vector<SpecimenRef> specimens;
    /// Memory dumps and regions of the processes the evidence names, strongest match first (at
    /// most k_max_memory_per_finding); empty when the bundle holds none for them.
    std::vector<MemoryRef> memory;
};

/// A record of the bundle with its place.
struct Record {
    std::string artifact;
    uint64_t line = 0;
    nlohmann::json value;
    Evidence evidence(nlohmann::json fields) const { return {artifact, line, std::move(fields)}; }
};

/// When the bundle was taken and how far back "recent" reaches: known only once the whole
/// bundle is read (a tar's manifest is its last member), so rules read it when they finish.
struct Context {
    int64_t collected_unix_ns = 0;  ///< 0 when unknown: time-based rules then stay silent
    int recent_days = 7;            ///< --recent-days: "changed shortly before collection"
};

/// Findings a rule keeps for one bundle, at most `cap`: a crafted bundle with a million
/// matching records must not make triage hold a million findings. The rest are counted and
/// reported as one "N more" finding.
class FindingSink {
  public:
    explicit FindingSink(size_t cap) : m_cap(cap) {}
    void add(Finding f);
    /// Counts a finding that was not kept (a rule that defers findings knows it needs no copy).
    void omit(uint64_t n = 1) { m_omitted += n; }
    bool full() const { return m_kept.size() >= m_cap; }
    std::vector<Finding>& kept() { return m_kept; }
    uint64_t omitted() const { return m_omitted; }

  private:
    size_t m_cap;
    std::vector<Finding> m_kept;
    uint64_t m_omitted = 0;
};

/// One rule's pass over one bundle: sees every record of the collectors it reads, in bundle
/// order, then finishes. Whatever a pass keeps across records must stay small per record (a
/// pid and a digest, never the record): the records themselves are gone after see().
class RulePass {
  public:
    virtual ~RulePass() = default;
    virtual void see(std::string_view collector, const Record& r, FindingSink& out) = 0;
    virtual void finish(const Context& ctx, FindingSink& out) {
        (void)ctx;
        (void)out;
    }
};

/// A rule: code with a spec. Ids are stable (documented, referenced by analysts' notes).
struct Rule {
    std::string_view id;
    std::string_view title;
    Urgency urgency;  ///< the usual urgency; a finding may lower or raise it with a reason
    Confidence confidence;
    std::string_view attack;
    std::string_view collectors;  ///< comma-separated collectors the rule reads
    std::string_view rationale;   ///< why this matters, for --list-rules and docs
    std::unique_ptr<RulePass> (*start)(const Rule& self);

    /// A finding of this rule with its defaults filled in; `why` is cut to k_max_why_bytes.
    Finding finding(std::string why, std::vector<Evidence> evidence) const;
};

/// Most findings one rule keeps per bundle; beyond it they are counted ("N more").
inline constexpr size_t k_max_findings_per_rule = 1000;
/// Longest `why` and longest evidence string value kept (the record itself stays in the
/// artifact, at the line the evidence names).
inline constexpr size_t k_max_why_bytes = 1024;
inline constexpr size_t k_max_evidence_value_bytes = 1024;
/// Most evidence records one finding keeps.
inline constexpr size_t k_max_evidence_per_finding = 100;
/// Most specimens one finding names.
inline constexpr size_t k_max_specimens_per_finding = 10;
/// The collector whose records are specimens: read by triage whatever the rules read, so
/// every finding can name the specimens of the processes and files it is about.
inline constexpr std::string_view k_specimen_collector = "samples";

/// Most memory records (dumps, regions) one finding names.
inline constexpr size_t k_max_memory_per_finding = 16;
/// The collector of process memory: read by triage whatever the rules read, like the specimens.
inline constexpr std::string_view k_memory_collector = "memory";

class SpecimenIndex;
class MemoryIndex;

/// Runs every rule over records handed in one at a time, so triage's memory does not grow with
/// the number of records (only with what rules keep: findings and small per-record keys).
class Runner {
  public:
    explicit Runner(size_t max_findings_per_rule = k_max_findings_per_rule);
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    /// True when some rule reads `collector` (other records need not even be parsed).
    bool wants(std::string_view collector) const;
    void add(std::string_view collector, const Record& r);
    /// Findings sorted by urgency, then confidence, rule id and evidence place, each with the
    /// specimens its evidence names (from the `samples` records seen) and the memory of the
    /// processes it names (from the `memory` records seen).
    std::vector<Finding> finish(const Context& ctx);
    /// Records seen per collector.
    const std::map<std::string, uint64_t, std::less<>>& counts() const { return m_counts; }

  private:
    struct Active;
    std::vector<Active> m_active;
    std::map<std::string, uint64_t, std::less<>> m_counts;
    std::unique_ptr<SpecimenIndex> m_specimens;
    std::unique_ptr<MemoryIndex> m_memory;
};

/// Every rule, in id order.
std::span<const Rule> rules();

/// Collectors any rule reads, and the specimens' (what triage loads from the bundle).
std::vector<std::string> needed_collectors();

/// Records held in memory, for tests and the fuzzer: fed to a Runner collector by collector.
struct Input {
    std::map<std::string, std::vector<Record>, std::less<>> records;  ///< by collector name
    int64_t collected_unix_ns = 0;
    int recent_days = 7;
};
std::vector<Finding> run_rules(const Input& in,
                               size_t max_findings_per_rule = k_max_findings_per_rule);

/// What triaging a bundle gave.
struct BundleTriage {
    BundleSummary summary;
    std::vector<Finding> findings;
    std::map<std::string, uint64_t, std::less<>> records;  ///< records read per collector
    size_t bad_lines = 0;  ///< lines that were not JSON objects (cut, corrupt, too deep)
};

/// Reads the needed collectors' records of a bundle (directory or tar) and runs every rule,
/// streaming: memory does not grow with the number of records.
BundleTriage triage_bundle(const std::filesystem::path& bundle, int recent_days = 7);

/// A finding as `triage --json` prints it; `specimens` and `memory` only when it names any.
nlohmann::json to_json(const Finding& f);
nlohmann::json to_json(const SpecimenRef& s);
nlohmann::json to_json(const MemoryRef& m);
/// One line for the text output, after "specimen: ": "<sha256> in artifacts/11_samples.zip
/// (copied)", or "<sha256> not copied (budget: --max-evidence-bytes 536870912 reached)"; a
/// specimen matched by path or held by the process adds "; same path" or "; mapped or held
/// open: <path>". Host text, unescaped: print it through the CLI's terminal-safe printing.
std::string specimen_text(const SpecimenRef& s);
/// One line for the text output, after "memory: ": "dump pid42.core in
/// artifacts/12_memory.pid42.zip (elf_core, dumped, sha256 <hex>)" or "region
/// 0x7f00-0x7f10 rwxp pid42_...bin in artifacts/12_memory.zip (dumped, sha256 <hex>)"; "not
/// stored" instead of the archive when there is none. Host text, unescaped, as specimen_text.
std::string memory_text(const MemoryRef& m);

// Shared by rules (rule_helpers.cpp).
/// A temporary or user-writable download place: /tmp, /var/tmp, /dev/shm (and below), or on
/// Windows a path with \Temp\, \AppData\ or \Downloads\ (case-insensitive).
bool is_temporary_place(std::string_view path);
/// The string at `key`, "" when missing or not a string.
std::string text_of(const nlohmann::json& record, const char* key);
/// The boolean at `key`; false when missing or not a boolean.
bool flag_of(const nlohmann::json& record, const char* key);
/// The integer at `key`; `fallback` when missing or not an integer.
int64_t number_of(const nlohmann::json& record, const char* key, int64_t fallback = -1);
/// `text` cut to at most `max_bytes` (at a UTF-8 boundary, ending in "..." when cut).
std::string cut_text(std::string text, size_t max_bytes);
/// The integer at `key` as decimal text, unsigned values as unsigned (a pid of 2^63 or more
/// is not negative); `fallback` when missing or not an integer. For messages.
std::string number_text(const nlohmann::json& record, const char* key, int64_t fallback = -1);
/// RFC 3339 UTC ("2026-11-22T07:30:34.533067Z") to Unix ns; 0 when unparsable.
int64_t parse_utc_ns(std::string_view text);
/// Copies the listed keys that exist in `record`; a string longer than
/// k_max_evidence_value_bytes is cut, any other value whose JSON is longer becomes its
/// describe_json() text: evidence names a record, the artifact line holds all of it.
nlohmann::json pick(const nlohmann::json& record, std::initializer_list<const char*> keys);

}  // namespace irsnap::triage
