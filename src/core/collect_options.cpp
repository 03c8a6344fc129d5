// SPDX-License-Identifier: Apache-2.0
// The one table of `irsnap collect`'s options (see collect_options.hpp).
#include "irsnap/collect_options.hpp"

#include <algorithm>
#include <cstdint>
#include <thread>

#include <nlohmann/json.hpp>

namespace irsnap {

const std::vector<CollectOptionSpec>& collect_option_table() {
    using O = CollectOptions;
    using P = CollectParams;
    using C = CaseInfo;
    static const std::vector<CollectOptionSpec> table = [] {
        const unsigned default_threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
        return std::vector<CollectOptionSpec>{
            {.name = "output",
             .short_name = 'o',
             .field = option_field<&O::output>(),
             .help = "directory for the bundle (created if its parent exists). Default: beside "
                     "the executable when writable (USB stick), else the current directory. '-' "
                     "streams the bundle to stdout as a tar and writes nothing to disk: irsnap -o "
                     "- > host.tar",
             .manifest_key = "output"},
            {.name = "recipient",
             .field = option_field<&O::recipients>(),
             .help = "seal the bundle with age to this public key (age1...; repeatable): the run "
                     "writes only <bundle>.tar.age, or the sealed stream with -o -. Default: the "
                     "keys in irsnap.recipients beside the executable, if that file exists"},
            {.name = "recipients-file",
             .field = option_field<&O::recipients_file>(),
             .help = "seal to every key in this file (one age1... key a line, # comments)"},
            {.name = "case-id",
             .field = option_field<&O::case_info, &C::case_id>(),
             .help = "case identifier for the manifest"},
            {.name = "evidence-id",
             .field = option_field<&O::case_info, &C::evidence_id>(),
             .help = "evidence item identifier"},
            {.name = "examiner",
             .field = option_field<&O::case_info, &C::examiner>(),
             .help = "who collects (name, badge)"},
            {.name = "description",
             .field = option_field<&O::case_info, &C::description>(),
             .help = "what this evidence is"},
            {.name = "notes",
             .field = option_field<&O::case_info, &C::notes>(),
             .help = "free notes (never secrets)"},
            {.name = "collectors",
             .field = option_field<&O::only>(),
             .help = "only these collectors (comma list)",
             .manifest_key = "collectors"},
            {.name = "exclude",
             .field = option_field<&O::exclude>(),
             .help = "skip these collectors (comma list)",
             .manifest_key = "exclude"},
            {.name = "no-hash",
             .field = option_field<&O::params, &P::hash>(),
             .help = "do not hash executables",
             .manifest_key = "hash",
             .negated = true},
            {.name = "max-hash-bytes",
             .field = option_field<&O::params, &P::max_hash_bytes>(),
             .default_text = std::to_string(k_default_max_hash_bytes),
             .min = 0,
             .max = INT64_MAX,
             .help = "skip hashing files larger than this (0 = no limit)",
             .manifest_key = "max_hash_bytes"},
            {.name = "no-package-check",
             .field = option_field<&O::params, &P::package_check>(),
             .help = "do not compare files with the host's package database (dpkg, rpm, apk; "
                     "Linux): no package or package_verdict fields",
             .manifest_key = "package_check",
             .negated = true},
            {.name = "no-bpf",
             .field = option_field<&O::params, &P::bpf>(),
             .help = "do not read the kernel's own lists through BPF iterators (Linux): the "
                     "collectors use /proc, netlink and probes only",
             .manifest_key = "bpf",
             .negated = true},
            {.name = "no-samples",
             .field = option_field<&O::no_samples>(),
             .help = "do not copy specimens (the samples collector is skipped)",
             .manifest_key = "no_samples"},
            {.name = "samples",
             .field = option_field<&O::params, &P::samples>(),
             .default_text = "suspicious",
             .help = "which executables the samples collector copies: suspicious (deleted, "
                     "memfd, in temporary places, preloaded, unsigned) or all-executables (every "
                     "distinct running executable and module)",
             .manifest_key = "samples"},
            {.name = "collect-file",
             .field = option_field<&O::params, &P::collect_files>(),
             .help = "also copy this host file as a specimen (repeatable, comma list)",
             .manifest_key = "collect_files"},
            {.name = "max-sample-bytes",
             .field = option_field<&O::params, &P::max_sample_bytes>(),
             .default_text = std::to_string(k_default_max_sample_bytes),
             .min = 0,
             .max = INT64_MAX,
             .help = "do not copy a specimen or file larger than this (logs keep their last "
                     "--max-log-bytes instead)",
             .manifest_key = "max_sample_bytes"},
            {.name = "max-evidence-bytes",
             .field = option_field<&O::params, &P::max_evidence_bytes>(),
             .default_text = std::to_string(k_default_max_evidence_bytes),
             .min = 0,
             .max = INT64_MAX,
             .help = "copy at most this much host content in all (specimens and files; never "
                     "closer than 256 MiB to a full output disk)",
             .manifest_key = "max_evidence_bytes"},
            {.name = "max-log-bytes",
             .field = option_field<&O::params, &P::max_log_bytes>(),
             .default_text = std::to_string(8ull << 20),
             .min = 0,
             .max = INT64_MAX,
             .help = "the files collector keeps the last this many bytes of each log",
             .manifest_key = "max_log_bytes"},
            {.name = "dump-pid",
             .field = option_field<&O::params, &P::dump_pids>(),
             .min = 1,
             .max = k_pid_max_limit,
             .help = "dump this process's whole memory (repeatable, comma list): an ELF core "
                     "(Linux) or a minidump (Windows) in <NN>_memory.pid<PID>.zip, password "
                     "infected",
             .manifest_key = "dump_pids"},
            {.name = "dump-suspicious",
             .field = option_field<&O::params, &P::dump_suspicious>(),
             .help = "also dump every process the live checks flag (hidden, deleted or memfd "
                     "program, program in a temporary place, preload, anonymous executable "
                     "memory; Windows: unsigned image or module), most suspicious first",
             .manifest_key = "dump_suspicious"},
            {.name = "dump-no-freeze",
             .field = option_field<&O::params, &P::dump_freeze>(),
             .help = "read dumped processes without stopping them (by default each is stopped "
                     "only while its memory is read)",
             .manifest_key = "dump_freeze",
             .negated = true},
            {.name = "max-dump-bytes",
             .field = option_field<&O::params, &P::max_dump_bytes>(),
             .default_text = std::to_string(4ull << 30),
             .min = 0,
             .max = INT64_MAX,
             .help = "one process's dump at most this large (file-backed code is left out "
                     "first)",
             .manifest_key = "max_dump_bytes"},
            {.name = "max-dump-total-bytes",
             .field = option_field<&O::params, &P::max_dump_total_bytes>(),
             .default_text = "0",
             .min = 0,
             .max = INT64_MAX,
             .help = "all dumps of the run at most this large (0 = half the output's free space)",
             .manifest_key = "max_dump_total_bytes"},
            {.name = "no-memory-regions",
             .field = option_field<&O::params, &P::memory_regions>(),
             .help = "do not capture every process's anonymous executable memory (on by "
                     "default, small)",
             .manifest_key = "memory_regions",
             .negated = true},
            {.name = "max-region-bytes",
             .field = option_field<&O::params, &P::max_region_bytes>(),
             .default_text = std::to_string(16ull << 20),
             .min = 0,
             .max = INT64_MAX,
             .help = "anonymous executable memory captured per process at most",
             .manifest_key = "max_region_bytes"},
            {.name = "max-region-total-bytes",
             .field = option_field<&O::params, &P::max_region_total_bytes>(),
             .default_text = std::to_string(128ull << 20),
             .min = 0,
             .max = INT64_MAX,
             .help = "anonymous executable memory captured per run at most",
             .manifest_key = "max_region_total_bytes"},
            {.name = "physical-memory",
             .field = option_field<&O::params, &P::physical_memory>(),
             .help = "also acquire physical memory (Linux): all RAM as a LiME image in "
                     "<NN>_physical_memory.zip, password infected; as large as RAM, so the "
                     "output's free space is checked first; reading takes about a minute per "
                     "4 GiB: raise --timeout-per-collector for more",
             .manifest_key = "physical_memory"},
            {.name = "observe",
             .field = option_field<&O::params, &P::observe_seconds>(),
             .default_text = "0",
             .min = 0,
             .max = 86400,
             .help = "after the snapshot, watch the host this many seconds: processes started "
                     "and ended, connections, DNS and the packet headers into a pcap "
                     "(docs/observe.md); within --timeout-per-collector (0 = no window)",
             .manifest_key = "observe_seconds"},
            {.name = "max-capture-bytes",
             .field = option_field<&O::params, &P::max_capture_bytes>(),
             .default_text = std::to_string(64ull << 20),
             .min = 0,
             .max = INT64_MAX,
             .help = "the observation's pcap file at most this large (0 = no capture)",
             .manifest_key = "max_capture_bytes"},
            {.name = "capture-snaplen",
             .field = option_field<&O::params, &P::capture_snaplen>(),
             .default_text = "128",
             .min = 64,
             .max = 65535,
             .help = "bytes of each packet the observation's pcap keeps (64-65535)",
             .manifest_key = "capture_snaplen"},
            {.name = "threads",
             .field = option_field<&O::params, &P::threads>(),
             .default_text = std::to_string(default_threads),
             .min = 1,
             .max = 64,
             .help = "threads for hashing and for the descriptor walk (1-64; the walk uses at "
                     "most 4); 1 with --nice is the gentle mode for a production server",
             .manifest_key = "threads"},
            {.name = "nice",
             .field = option_field<&O::nice>(),
             .help = "lower our own CPU and I/O priority",
             .manifest_key = "nice"},
            {.name = "timeout-per-collector",
             .field = option_field<&O::timeout_s>(),
             .default_text = "300",
             .min = 0,
             .max = k_max_timeout_s,
             .help = "seconds before a collector is stopped and marked partial (0 = none; at "
                     "most 86400)",
             .manifest_key = "timeout_per_collector_s"},
            {.name = "include-environment",
             .field = option_field<&O::params, &P::include_environment>(),
             .help = "record full process environments (may contain secrets)",
             .manifest_key = "include_environment"},
            {.name = "pid-max",
             .field = option_field<&O::params, &P::pid_max>(),
             .default_text = "0",
             .min = 0,
             .max = k_pid_max_limit,
             .help = "hidden_processes probes pids 1 to N-1 (0 = the kernel's pid_max, or the "
                     "highest listed pid if higher; at most 4194304, the kernel's limit)",
             .manifest_key = "pid_max"},
            {.name = "recent-days",
             .field = option_field<&O::params, &P::recent_days>(),
             .default_text = "30",
             .min = 0,
             .max = 3650,
             .help = "what counts as recently changed: timeline records only entries of the "
                     "library directories (Linux) and System32 (Windows) changed within this "
                     "many days",
             .manifest_key = "recent_days"},
            {.name = "timeline-max-entries",
             .field = option_field<&O::params, &P::timeline_max_entries>(),
             .default_text = "200000",
             .min = 1,
             .max = 100000000,
             .help = "the file-system timeline stops after this many records (coverage says "
                     "where)",
             .manifest_key = "timeline_max_entries"},
            {.name = "quiet",
             .short_name = 'q',
             .field = option_field<&O::quiet>(),
             .help = "print only errors"},
            {.name = "verbose",
             .short_name = 'v',
             .field = option_field<&O::verbose>(),
             .help = "echo the collection log on stderr"},
            {.name = "json",
             .field = option_field<&O::json>(),
             .help = "print the final summary as JSON on stdout"},
            {.name = "root",
             .field = option_field<&O::host_root>(),
             .help = "read file-based collectors (autoruns, config files) from a mounted image "
                     "or tree instead of /",
             .manifest_key = "host_root"},
            // Hidden test-only options (docs/ARCHITECTURE.md, "Hidden test-only options").
            {.name = "proc-root",
             .field = option_field<&O::proc_root>(),
             .default_text = "/proc",
             .hidden = true,
             .manifest_key = "proc_root"},
            {.name = "host-root",  // the older spelling of --root
             .field = option_field<&O::host_root>(),
             .hidden = true},
            {.name = "debug-slow-ms",
             .field = option_field<&O::params, &P::debug_slow_ms>(),
             .default_text = "0",
             .min = 0,
             .max = 60000,
             .hidden = true,
             .manifest_key = "debug_slow_ms"},
            {.name = "debug-unlist-pid",
             .field = option_field<&O::params, &P::debug_unlist_pids>(),
             .min = 1,
             .max = k_pid_max_limit,
             .hidden = true,
             .manifest_key = "debug_unlist_pids"},
        };
    }();
    return table;
}

nlohmann::json manifest_options(const CollectOptions& options) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& spec : collect_option_table()) {
        if (spec.manifest_key.empty()) continue;
        std::visit([&](const auto& field) { out[spec.manifest_key] = field.get(options); },
                   spec.field);
    }
    return out;
}

}  // namespace irsnap
