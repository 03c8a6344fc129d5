// SPDX-License-Identifier: Apache-2.0
// One collect run: output, log, host description, hash cache, runner, manifest.
#include "irsnap/collect_run.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "irsnap/bounded.hpp"
#include "irsnap/bundle.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/collection_log.hpp"
#include "irsnap/evidence_budget.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/host.hpp"
#include "irsnap/kernel_view_programs.hpp"
#include "irsnap/manifest.hpp"
#include "irsnap/package_index.hpp"
#include "irsnap/private_proc_root.hpp"
#include "irsnap/sealed_output.hpp"
#include "irsnap/tar_bundle.hpp"
#include "irsnap/text.hpp"

namespace irsnap {
namespace {

/// The collectors that look files up in the package index (docs/package-trust.md).
constexpr std::array<const char*, 5> k_package_checking_collectors = {
    "system", "processes", "modules", "kernel_modules", "autoruns"};

using nlohmann::json;

/// With -o -, notices when the stream's reader goes away (ssh connection dropped, `| head`)
/// while a collector is busy, and stops the run: otherwise nothing notices until the next
/// artifact is written, and a fleet script's staged binary lingers on the host meanwhile.
class StreamReaderWatch {
  public:
    StreamReaderWatch(int fd, std::atomic<bool>* cancel)
        : m_thread([this, fd, cancel](const std::stop_token& stop) {
              while (!stop.stop_requested()) {
                  // events = 0: POLLERR (pipe without reader) and POLLHUP (socket closed) are
                  // always reported, and a writable pipe does not wake us.
                  pollfd p{fd, 0, 0};
                  if (::poll(&p, 1, 200) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
                      m_gone.store(true);
                      if (cancel) cancel->store(true);
                      return;
                  }
              }
          }) {}
    bool gone() const { return m_gone.load(); }

  private:
    std::atomic<bool> m_gone{false};
    std::jthread m_thread;  // last: starts after m_gone exists, joined before it goes
};

/// Beside the executable when writable (a USB stick), else the current directory; the
/// fallback is announced because it may be the suspect's own disk.
std::filesystem::path default_output_dir(CollectReporter& reporter) {
    auto exe_dir = running_executable().parent_path();
    if (!exe_dir.empty() && directory_writable(exe_dir)) return exe_dir;
    auto cwd = std::filesystem::current_path();
    reporter.output_fallback(exe_dir, cwd);
    return cwd;
}

/// Each step of the preparation (host and operator identity, own hash) gets this long, whatever
/// the host does; a late step is a note and the run goes on without its answer.
constexpr std::chrono::milliseconds k_preparation_step_budget{5000};

/// Runs one preparation step within k_preparation_step_budget. A late or failed step gives
/// nullopt and a note (in the manifest and the log). `step` owns copies of what it uses: it
/// may still be stuck after the run is over.
std::optional<json> bounded_step(const std::string& what, std::function<json()> step,
                                 std::vector<std::string>& notes, spdlog::logger& log) {
    auto done = run_bounded<json>(k_preparation_step_budget, std::move(step));
    if (done.value) return std::move(done.value);
    const std::string note =
        done.timed_out ? fmt::format(
                             "{}: not done within {} s (a host file that never "
                             "answers?); recorded without it",
                             what, k_preparation_step_budget.count() / 1000)
                       : fmt::format("{}: failed ({}); recorded without it", what, done.error);
    log.warn("{}", note);
    notes.push_back(note);
    return std::nullopt;
}

/// The host and operator descriptions, each bounded. They read host files (os-release, hosts,
/// machine-id, passwd, group) that the suspect controls.
void describe_run_context(const HostView& ctx, ManifestInput& input, spdlog::logger& log) {
    // The roots only, without the run's pointers (cancel flag, hash cache): a step left behind
    // must not touch anything that goes away with this function.
    HostView copy;
    copy.proc_root = ctx.proc_root;
    copy.host_root = ctx.host_root;
    copy.proc_is_private = ctx.proc_is_private;
    auto run = [&](const char* what, json (*describe)(const HostView&, std::vector<std::string>&),
                   json fallback) {
        auto notes = std::make_shared<std::vector<std::string>>();
        auto value = bounded_step(
            what,
            [copy, describe, notes]() {
                std::vector<std::string> own;
                json out = describe(copy, own);
                *notes = std::move(own);
                return out;
            },
            input.notes, log);
        if (!value) return fallback;
        // Read only once the step is done (it wrote them before it returned).
        for (auto& n : *notes) {
            log.warn("{}", n);
            input.notes.push_back(std::move(n));
        }
        return std::move(*value);
    };
    input.host = run(
        "host identity", &describe_host,
        {{"hostname", bundle_host_name()}, {"unavailable", "host identity was not read in time"}});
    input.operator_ = run("operator identity", &describe_operator,
                          {{"unavailable", "operator identity was not read in time"}});
}

json tool_identity(const std::vector<std::string>& argv, std::vector<std::string>& notes,
                   spdlog::logger& log) {
    auto exe = running_executable();
    // Same rule as records: if one argument needs escaping, all are escaped.
    const bool argv_escaped =
        !std::all_of(argv.begin(), argv.end(), [](const auto& a) { return is_valid_utf8(a); });
    json argv_json = json::array();
    for (const auto& a : argv) argv_json.push_back(argv_escaped ? escape_bytes_always(a) : a);
    // Hashing ourselves reads our own file, which may sit on the suspect's disk: bounded too.
    json sha = bounded_step(
                   "own executable hash",
                   []() {
                       auto own = running_executable_sha256();
                       return own ? json(*own) : json(nullptr);
                   },
                   notes, log)
                   .value_or(nullptr);
    return {{"name", "irsnap"},
            {"version", build::k_version},
            {"git_revision", build::k_git_revision},
            {"build_type", build::k_build_type},
            {"compiler", build::k_compiler},
            {"static", build::k_static},
            {"executable", exe.string()},
            {"executable_sha256", sha},
            {"argv", argv_json},
            {"argv_escaped", argv_escaped},
            {"pid", getpid()}};
}

}  // namespace

CollectOutcome run_collection(const CollectRequest& request,
                              const std::vector<Collector>& collectors, CollectReporter& reporter) {
    const CollectOptions& o = request.options;
    CollectOutcome outcome;
    init_crypto();
    const ClockSample start = sample_clocks();
    std::string nice_note;
    if (o.nice) nice_note = lower_own_priority();

    const bool stream = o.output == "-";
    std::filesystem::path out_dir = stream             ? std::filesystem::path("-")
                                    : o.output.empty() ? default_output_dir(reporter)
                                                       : path_from_utf8(o.output);
    UniqueFd sealed_file;  // declared before the bundle, which writes to it until destroyed
    std::unique_ptr<BundleOutput> bundle;
    std::unique_ptr<ArtifactWriter> log_writer;
    if (stream && standard_fd_was_closed(STDOUT_FILENO)) {
        outcome.failure =
            "-o -: stdout is closed, so the tar stream has nowhere to go; nothing collected";
        return outcome;
    }
    const bool sealed = !o.seal_to.empty();
    SealedSink* sealer = nullptr;  // owned by the bundle; read for the sealed file's digest
    try {
        if (sealed) {
            // The tar stream of -o -, sealed on its way to stdout or to one new file: no
            // plaintext byte of the bundle reaches any disk.
            std::unique_ptr<ByteSink> target;
            std::string name;
            if (stream) {
                name = bundle_base_name(bundle_host_name(), start.realtime_ns);
                target = make_fd_sink(STDOUT_FILENO, "stdout");
                outcome.sealed_path = "stdout";
            } else {
                NewOutputFile file =
                    create_output_file(out_dir, bundle_host_name(), start.realtime_ns, ".tar.age");
                name = file.name;
                outcome.sealed_path = file.path.string();
                sealed_file = std::move(file.fd);
                target = make_fd_sink(sealed_file.get(), outcome.sealed_path, true);
            }
            auto sink = std::make_unique<SealedSink>(std::move(target), o.seal_to);
            sealer = sink.get();
            for (const auto& r : o.seal_to) outcome.sealed_to.push_back(r.text());
            const std::string location =
                stream ? "stdout, sealed tar stream " + name + "/" : outcome.sealed_path;
            bundle = TarStreamBundle::create(std::move(sink), name, location);
        } else if (stream) {
            bundle = TarStreamBundle::create(STDOUT_FILENO, bundle_host_name(), start.realtime_ns);
        } else {
            bundle = Bundle::create(out_dir, bundle_host_name(), start.realtime_ns);
        }
        log_writer = bundle->create_file("collection.log");
    } catch (const OutputError& e) {
        outcome.failure = e.what();
        return outcome;
    }
    outcome.bundle_location = bundle->location();
    auto logger = make_collection_logger(*log_writer, o.verbose);
    reporter.collecting(*bundle);
    logger->info("irsnap {} ({}) start; bundle {}", build::k_version, build::k_git_revision,
                 bundle->location());
    if (!nice_note.empty()) logger->info("priority lowered: {}", nice_note);

    Context ctx;
    ctx.proc_root = o.proc_root;
    // A mount over /proc or /proc/PID hides what is under it from every path-based reader:
    // read a procfs instance of our own instead, for the whole run.
    std::string private_proc_note;
    std::optional<PrivateProcRoot> private_proc =
        private_proc_root_if_covered(o.proc_root, private_proc_note);
    if (private_proc) {
        ctx.proc_root = private_proc->path;
        ctx.proc_is_private = true;
    }
    if (!private_proc_note.empty()) logger->warn("{}", private_proc_note);
    const std::string host_root = o.host_root.empty() ? "/" : o.host_root;
    ctx.host_root = host_root;
    ctx.params = o.params;
    ctx.cancel = request.cancel;
    ctx.logger = logger.get();
    // Read the package databases on their own thread from here on: the index is ready by the
    // time the first executable is checked, and reading it overlaps the tool's own hashing.
    // Not for a run of collectors that never look a file up (--collectors network).
    auto selected = [&](const std::string& name) {
        auto in = [&](const std::vector<std::string>& list) {
            return std::find(list.begin(), list.end(), name) != list.end();
        };
        return (o.only.empty() || in(o.only)) && !in(o.exclude);
    };
    // Loaded now, while the process is small and before the package index grows on its thread
    // (kernel_view_programs.hpp); unloaded when the run returns.
    const KernelViewPrograms kernel_programs(ctx.params.bpf && ctx.live_proc(), selected);
    if (std::any_of(k_package_checking_collectors.begin(), k_package_checking_collectors.end(),
                    selected)) {
        ctx.start_package_index();
    }

    ManifestInput input;
    input.case_info = o.case_info;
    input.bundle_name = bundle->name();
    input.output_kind = bundle->kind();
    input.start = start;
    input.tool = tool_identity(request.argv, input.notes, *logger);
    if (!private_proc_note.empty()) input.notes.push_back(private_proc_note);
    describe_run_context(ctx, input, *logger);
    CollectOptions recorded = o;  // as the run used them
    recorded.output = out_dir.string();
    recorded.host_root = host_root;
    input.options = manifest_options(recorded);
    if (sealed) {
        json keys = json::array();
        for (const auto& r : o.seal_to) keys.push_back(r.text());
        input.options["sealed_to"] = keys;
        input.options["sealed_to_source"] = o.seal_source;
    }

    std::unique_ptr<HashCache> hashes;
    if (o.params.hash) {
        // The digests the host's package database records (dpkg: MD5) come from the same read.
        const unsigned package_digests =
            o.params.package_check ? package_digests_needed(host_root) : 0;
        hashes = std::make_unique<HashCache>(o.params.threads, o.params.max_hash_bytes,
                                             request.cancel, package_digests);
    }
    ctx.hashes = hashes.get();

    // A sealed run is a tar stream too: every member goes out whole, nothing is spooled.
    ctx.stream_output = stream || sealed;
    if (!stream) {
        if (!sealed) ctx.bundle_directory = out_dir / bundle->name();
        ctx.output_free_bytes = [dir = out_dir]() -> std::optional<uint64_t> {
            std::error_code ec;
            const auto space = std::filesystem::space(dir, ec);
            if (ec) return std::nullopt;
            return static_cast<uint64_t>(space.available);
        };
    }
    ctx.evidence =
        std::make_shared<EvidenceBudget>(o.params.max_evidence_bytes, ctx.output_free_bytes);
    std::vector<std::string> exclude = o.exclude;
    if (o.no_samples) exclude.push_back("samples");
    RunRequest run_request{ctx, o.only, exclude, std::chrono::seconds(o.timeout_s)};
    // Physical memory is as large as RAM: it runs only when asked for, by its option or by name.
    if (!o.params.physical_memory) run_request.off_by_default.push_back("physical_memory");
    // The observation window keeps irsnap on the host: only when asked for.
    if (o.params.observe_seconds == 0) run_request.off_by_default.push_back("activity");
    std::optional<StreamReaderWatch> reader_watch;
    if (stream) reader_watch.emplace(STDOUT_FILENO, request.cancel);
    input.run = run_collectors(collectors, *bundle, run_request, &reporter);
    if (reader_watch && reader_watch->gone() && !input.run.output_failed) {
        input.run.output_failed = true;
        input.run.output_error = "the tar stream's reader went away (connection closed?): stopped";
    }
    input.options["evidence_bytes_copied"] = ctx.evidence->used();
    if (hashes) {
        auto s = hashes->stats();
        logger->info("hashing: {} files, {} bytes, {} cache hits, {} skipped (too large)",
                     s.files_hashed, s.bytes_hashed, s.cache_hits, s.skipped_too_large);
        input.options["hash_stats"] = {{"files_hashed", s.files_hashed},
                                       {"bytes_hashed", s.bytes_hashed},
                                       {"cache_hits", s.cache_hits},
                                       {"skipped_too_large", s.skipped_too_large}};
    }
    input.end = sample_clocks();
    logger->info("run {}; writing manifest", to_string(run_status(input.run)));
    logger->flush();

    try {
        log_writer->close();
    } catch (const OutputError& e) {
        // The digest still covers what reached the disk; the manifest is still worth trying.
        input.run.output_failed = true;
        if (input.run.output_error.empty()) input.run.output_error = e.what();
    }
    input.log = {"collection.log", log_writer->bytes(), 0, log_writer->sha256()};
    outcome.status = run_status(input.run);
    try {
        outcome.manifest_sha256 = bundle->write_manifest(build_manifest(input));
        if (sealer) {
            outcome.sealed_sha256 = sealer->sealed_sha256();
            outcome.sealed_bytes = sealer->sealed_bytes();
        }
    } catch (const OutputError& e) {
        outcome.failure = fmt::format(
            "{}; the manifest could not be written, so this bundle cannot be verified", e.what());
    }
    outcome.run = std::move(input.run);
    return outcome;
}

}  // namespace irsnap
