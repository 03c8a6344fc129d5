// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/host_view.hpp"
#include "irsnap/result.hpp"

namespace spdlog {
class logger;
}

namespace irsnap {

class ArtifactWriter;
class EvidenceBudget;
class HandleTable;
class PackageIndex;
struct HandleSnapshot;
struct PackageTrust;

/// One field of a collector's records. Types: string, integer, number, boolean, string[],
/// integer[], object, object[]. Any field may be null when the value could not be read.
struct FieldSpec {
    std::string name;
    std::string type;
    std::string description;
    std::vector<std::string> platforms{"linux", "windows"};
};

/// Declarative description of a collector: printed by `irsnap describe`, turned into
/// docs/collectors/<name>.md, and enforced on every record by the contract test.
struct CollectorSpec {
    std::string name;         ///< snake_case, stable: it names the artifact
    std::string description;  ///< one line
    int volatility_rank = 0;  ///< run order, most volatile first (RFC 3227)
    std::string why;          ///< one line: why this place in the order
    std::vector<std::string> platforms;
    std::string privileges;          ///< what full coverage needs
    std::string without_privileges;  ///< what happens without them (degrade or skip)
    std::vector<FieldSpec> fields;
    std::string details;  ///< optional further text (a table), printed by `irsnap describe`
    /// Reads the run's shared descriptor walk (Context::open_handles) and releases it when done.
    bool reads_open_handles = false;
};

/// Sets every field `spec` declares for `platform` ("linux", "windows") that `record` lacks to
/// null, except the `escaped_fields` marker (present only when something was escaped). Every
/// record carries every declared field, null when unknown or when its kind has none: an absent
/// field cannot be told from one that was never looked at, and readers (jq, SQL) see one shape.
/// For records built from many kinds of source in several places (sockets, descriptors).
void null_missing_fields(nlohmann::json& record, const CollectorSpec& spec,
                         std::string_view platform);

/// Knobs from the command line that collectors honour.
struct CollectParams {
    bool hash = true;
    /// --no-package-check turns it off: files are compared with the host's package database
    /// (docs/package-trust.md).
    bool package_check = true;
    /// --no-bpf turns it off: the kernel's task and socket lists are read through BPF
    /// iterators as a further view (docs/kernel-views.md).
    bool bpf = true;
    uint64_t max_hash_bytes = 0;  ///< 0 = no limit
    bool include_environment = false;
    int debug_slow_ms = 0;  ///< test hook: sleep per record so a run can be interrupted mid-way
    unsigned threads = 0;   ///< --threads: cap on threads a collector may use (0 = the CPUs)
    uint64_t pid_max = 0;   ///< --pid-max: hidden_processes probes pids below it (0 = the kernel's)
    /// --recent-days: what counts as recently changed (timeline records only such entries of
    /// the library and System32 directories).
    unsigned recent_days = 30;
    /// --timeline-max-entries: records the timeline writes at most. The command line's default
    /// is 200000 (collect_option_table); a Context built in code (tests) walks less.
    uint64_t timeline_max_entries = 20000;
    /// Test hook (--debug-unlist-pid): hidden_processes and processes drop these pids from their
    /// /proc listings, as a getdents hook would, so the probe and kernel-list paths can be tested
    /// without a rootkit (and with the static binary, which LD_PRELOAD cannot reach).
    std::vector<int64_t> debug_unlist_pids;
    /// Specimens (samples) and copied files (files): see docs/specimens.md.
    std::string samples = "suspicious";          ///< --samples: suspicious | all-executables
    std::vector<std::string> collect_files;      ///< --collect-file: host paths the responder names
    uint64_t max_sample_bytes = 64ull << 20;     ///< --max-sample-bytes: larger ones are not copied
    uint64_t max_evidence_bytes = 512ull << 20;  ///< --max-evidence-bytes: all copied content
    uint64_t max_log_bytes = 8ull << 20;  ///< --max-log-bytes: the tail kept of each log file
    /// Process memory (the memory collector, docs/memory.md).
    std::vector<int64_t> dump_pids;  ///< --dump-pid: processes dumped whole
    bool dump_suspicious = false;    ///< --dump-suspicious: dump every process the checks flag
    bool dump_freeze = true;         ///< --dump-no-freeze turns it off: read without stopping
    uint64_t max_dump_bytes = 4ull << 30;  ///< --max-dump-bytes: one process's dump at most
    /// --max-dump-total-bytes: all dumps of the run; 0 = half the output's free space at the
    /// start of the memory collector (no limit but the per-process one for a stream).
    uint64_t max_dump_total_bytes = 0;
    bool memory_regions = true;  ///< --no-memory-regions turns the always-on capture off
    uint64_t max_region_bytes = 16ull << 20;         ///< --max-region-bytes: per process
    uint64_t max_region_total_bytes = 128ull << 20;  ///< --max-region-total-bytes: per run
    /// --physical-memory: the physical_memory collector runs (docs/physical-memory.md).
    bool physical_memory = false;
    /// The observation window (the activity collector, docs/observe.md).
    unsigned observe_seconds = 0;              ///< --observe: 0 = no window
    uint64_t max_capture_bytes = 64ull << 20;  ///< --max-capture-bytes: the pcap at most
    unsigned capture_snaplen = 128;            ///< --capture-snaplen: bytes kept per packet
};

/// What a collector may use: the host (HostView: roots, stop, hashes) plus the run's knobs,
/// its logger and the run's shared handle walk.
struct Context : HostView {
    Context();
    CollectParams params;
    spdlog::logger* logger = nullptr;
    /// The run's allowance for copied content, shared by every copying collector (null: nothing
    /// may be copied).
    std::shared_ptr<EvidenceBudget> evidence;
    /// The output file system's free bytes now (empty for a stream, or when unknown); null when
    /// the run has no output on disk to ask about.
    std::function<std::optional<uint64_t>()> output_free_bytes;
    /// The bundle is a tar stream: attachments must announce their size before their bytes.
    bool stream_output = false;
    /// The bundle's directory (empty for a stream): where a collector may keep unnamed,
    /// encrypted scratch files (O_TMPFILE) that vanish when closed.
    std::filesystem::path bundle_directory;

    /// Every process's open descriptors, walked once per run on first use and shared by all
    /// collectors (see open_handles.hpp). `who` names the collector asking.
    const HandleSnapshot& open_handles(const std::string& who) const;
    /// Threads for per-process /proc reading over `items` processes (worker_threads_for with
    /// --threads).
    size_t worker_threads(size_t items) const;
    /// `who` is done with the shared walk; it is freed when the last expected user is.
    void release_open_handles(const std::string& who) const;
    /// The runner names the collectors of this run that read the walk (specs that set
    /// `reads_open_handles`), so it lives exactly until the last of them is done.
    void expect_open_handles_users(std::set<std::string> users) const;

    /// Starts reading the host's package databases on a thread of their own, so the index is
    /// ready when the first executable is checked (collect_run calls it before the first
    /// collector). Without it, packages() builds the index on first use.
    void start_package_index() const;
    /// The host's package index (docs/package-trust.md), waiting for it if it is still being
    /// read; null when --no-package-check.
    const PackageIndex* packages() const;
    /// A file whose package verdict makes it a specimen (samples reads these): `why` is
    /// "package_modified" or "unowned_system_file". Keyed by the path the kernel reported.
    void flag_package_file(const std::string& path, const std::string& why) const;
    /// What flag_package_file recorded for `path`, or "".
    std::string package_flag(const std::string& path) const;
    /// A process an earlier collector judged suspicious (hidden_processes: "hidden_process";
    /// Windows processes and modules: "unsigned_image", "unsigned_module"), for the memory
    /// collector's --dump-suspicious. Bounded; thread-safe.
    void flag_process(int64_t pid, const std::string& why) const;
    /// Every flagged process and why, in pid order.
    std::map<int64_t, std::set<std::string>> flagged_processes() const;

  private:
    std::shared_ptr<HandleTable> m_handles;    ///< shared by every copy: one walk per run
    std::shared_ptr<PackageTrust> m_packages;  ///< shared by every copy: index and flags
};

/// Where a collector streams its results. Implementations count, cap and persist; emit_line()
/// throws OutputError when the artifact can no longer be written.
///
/// A record travels as one representation: one JSON object rendered as a single line, keys
/// sorted as nlohmann::json::dump() sorts them (a JsonLine gives exactly that text). Nothing on
/// the way to the artifact parses it back.
class RecordSink {
  public:
    virtual ~RecordSink() = default;
    /// One record, already rendered (no newline).
    virtual void emit_line(std::string_view json_object) = 0;
    /// Convenience for a record built as a tree: renders it once (compact, invalid UTF-8
    /// replaced) and hands the text to emit_line(). Only a buffer that must still add a member
    /// to the record before it is rendered (network's owners) overrides it.
    virtual void emit(const nlohmann::json& record);
    /// One item failed (not a race): recorded in the manifest with stage, errno and path.
    virtual void item_error(ItemError error) = 0;
    /// The item vanished while being read (process exited): normal on a live host, only counted.
    virtual void race() = 0;
    /// Something was not visible (permission, hidepid, platform): coverage is evidence.
    virtual void coverage(std::string note) = 0;
    /// A second artifact of this collector's, `<NN>_<collector>.<extension>` beside its records
    /// (an evidence archive), that will hold exactly `size` bytes. The sink owns it and closes
    /// it after the collector returns if the collector did not. Null when this sink keeps no
    /// attachments. Throws OutputError.
    virtual ArtifactWriter* attachment(const std::string& extension, uint64_t size) {
        (void)extension;
        (void)size;
        return nullptr;
    }
    /// A view of the host this collector compared ("proc", "probe", "netlink", "iter/task"
    /// ...): listed once each, in first-use order, in the manifest entry's `views`, so a reader
    /// knows what was compared with what.
    virtual void view(const std::string& name) { (void)name; }
    /// One line the console shows beside the collector's status instead of a generic "reduced
    /// coverage", for a collector whose refusal the responder must read on the spot (physical
    /// memory: why it was not acquired). Written by irsnap, never host text.
    virtual void summary(const std::string& note) { (void)note; }
    /// How a long collector is getting on ("42 s left, 1234 events"), for the console's
    /// transient line; at most a few times a second. Written by irsnap, never host text.
    virtual void progress(const std::string& text) { (void)text; }
};

using CollectFn = void (*)(const Context&, RecordSink&);

struct Collector {
    const CollectorSpec& (*spec)();
    /// Never null from the registry (a single-platform collector has CMake's stub elsewhere and
    /// is skipped by its spec's platforms); null still means "not available" to the runner.
    CollectFn collect;
};

}  // namespace irsnap
