// SPDX-License-Identifier: Apache-2.0
// `irsnap collect`: options, signals, bundle, log, runner, manifest, final message.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "irsnap/bounded.hpp"
#include "irsnap/bundle.hpp"
#include "irsnap/collection_log.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/host.hpp"
#include "irsnap/manifest.hpp"
#include "irsnap/tar_bundle.hpp"
#include "irsnap/text.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {
namespace {

using nlohmann::json;

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_stop_signal(int) {
    g_cancel.store(true);
}

/// With -o -, notices when the stream's reader goes away (ssh connection dropped, `| head`)
/// while a collector is busy, and stops the run: otherwise nothing notices until the next
/// artifact is written, and a fleet script's staged binary lingers on the host meanwhile.
class StreamReaderWatch {
  public:
    explicit StreamReaderWatch(int fd)
        : m_thread([this, fd](const std::stop_token& stop) {
              while (!stop.stop_requested()) {
                  // events = 0: POLLERR (pipe without reader) and POLLHUP (socket closed) are
                  // always reported, and a writable pipe does not wake us.
                  pollfd p{fd, 0, 0};
                  if (::poll(&p, 1, 200) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
                      m_gone.store(true);
                      g_cancel.store(true);
                      return;
                  }
              }
          }) {}
    bool gone() const { return m_gone.load(); }

  private:
    std::atomic<bool> m_gone{false};
    std::jthread m_thread;  // last: starts after m_gone exists, joined before it goes
};

/// First SIGINT/SIGTERM/SIGHUP asks for a clean stop; SA_RESETHAND lets a second one kill.
void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a closed stdout must become a write error, not a silent death
}

struct CollectOptions {
    std::string output;
    CaseInfo case_info;
    std::vector<std::string> only, exclude;
    bool no_hash = false;
    uint64_t max_hash_bytes = 0;
    unsigned threads = 0;
    bool nice = false;
    unsigned timeout_s = 0;
    bool quiet = false, verbose = false, json = false, include_environment = false;
    std::string proc_root, host_root;
    int debug_slow_ms = 0;
    uint64_t pid_max = 0;
    std::vector<int64_t> debug_unlist_pids;
};

constexpr uint64_t k_default_max_hash_bytes = 256ull << 20;
/// PID_MAX_LIMIT of 64-bit kernels: no pid is higher.
constexpr int64_t k_pid_max_limit = 4194304;
/// A day: a collector that needs longer is stuck, and a larger number is more likely a typo.
constexpr int64_t k_max_timeout_s = 86400;

std::optional<CollectOptions> parse_collect(const std::vector<std::string>& args) {
    CollectOptions o;
    po::options_description visible(
        "irsnap collect: snapshot this host into a bundle\n\n"
        "Usage: irsnap [collect] [OPTIONS]\n\nOptions");
    std::vector<std::string> only, exclude;
    unsigned default_threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    visible.add_options()("help,h", "show this help")(
        "output,o", po::value(&o.output),
        "directory for the bundle (created if its parent exists). Default: beside the "
        "executable when writable (USB stick), else the current directory. '-' streams the "
        "bundle to stdout as a tar and writes nothing to disk: irsnap -o - > host.tar")(
        "case-id", po::value(&o.case_info.case_id), "case identifier for the manifest")(
        "evidence-id", po::value(&o.case_info.evidence_id), "evidence item identifier")(
        "examiner", po::value(&o.case_info.examiner), "who collects (name, badge)")(
        "description", po::value(&o.case_info.description), "what this evidence is")(
        "notes", po::value(&o.case_info.notes), "free notes (never secrets)")(
        "collectors", po::value(&only)->composing(), "only these collectors (comma list)")(
        "exclude", po::value(&exclude)->composing(), "skip these collectors (comma list)")(
        "no-hash", po::bool_switch(&o.no_hash), "do not hash executables")(
        "max-hash-bytes",
        number_value(&o.max_hash_bytes, "max-hash-bytes", 0, INT64_MAX)
            ->default_value(std::to_string(k_default_max_hash_bytes)),
        "skip hashing files larger than this (0 = no limit)")(
        "threads",
        number_value(&o.threads, "threads", 1, 64)->default_value(std::to_string(default_threads)),
        "threads for hashing and for the descriptor walk (1-64; the walk uses at most 4); 1 "
        "with --nice is the gentle mode for a production server")(
        "nice", po::bool_switch(&o.nice), "lower our own CPU and I/O priority")(
        "timeout-per-collector",
        number_value(&o.timeout_s, "timeout-per-collector", 0, k_max_timeout_s)
            ->default_value("300"),
        "seconds before a collector is stopped and marked partial (0 = none; at most 86400)")(
        "include-environment", po::bool_switch(&o.include_environment),
        "record full process environments (may contain secrets)")(
        "pid-max", number_value(&o.pid_max, "pid-max", 0, k_pid_max_limit)->default_value("0"),
        "hidden_processes probes pids 1 to N-1 (0 = the kernel's pid_max, or the highest "
        "listed pid if higher; at most 4194304, the kernel's limit)")(
        "quiet,q", po::bool_switch(&o.quiet), "print only errors")(
        "verbose,v", po::bool_switch(&o.verbose), "echo the collection log on stderr")(
        "json", po::bool_switch(&o.json), "print the final summary as JSON on stdout")(
        "root", po::value(&o.host_root),
        "read file-based collectors (autoruns, config files) from a mounted image or tree "
        "instead of /");
    po::options_description hidden;
    hidden.add_options()("proc-root", po::value(&o.proc_root)->default_value("/proc"), "")(
        "host-root", po::value(&o.host_root), "")(  // older spelling of --root
        "debug-slow-ms",
        number_value(&o.debug_slow_ms, "debug-slow-ms", 0, 60000)->default_value("0"),
        "")("debug-unlist-pid",
            number_list_value(&o.debug_unlist_pids, "debug-unlist-pid", 1, k_pid_max_limit), "");
    po::options_description all;
    all.add(visible).add(hidden);
    po::variables_map vm;
    parse_args("collect", args, all, nullptr, vm);
    if (vm.count("help")) {
        std::cout << visible << "\n" << exit_codes_help("collect");
        return std::nullopt;
    }
    if (vm.count("root") && vm.count("host-root")) {
        throw UsageError("--root and --host-root name the same thing; give one");
    }
    if (o.host_root.empty()) o.host_root = "/";
    if (!std::filesystem::is_directory(o.host_root)) {
        throw UsageError("--root " + o.host_root + " is not a directory");
    }
    o.only = split_list(only);
    o.exclude = split_list(exclude);
    if (o.pid_max == 1) {
        throw UsageError("--pid-max must be 0 (the kernel's pid_max) or between 2 and " +
                         std::to_string(k_pid_max_limit));
    }
    if (o.quiet && o.verbose) throw UsageError("--quiet and --verbose exclude each other");
    if (o.output == "-" && ::isatty(STDOUT_FILENO)) {
        throw UsageError(
            "-o - writes a tar stream to stdout, which is a terminal; redirect it: "
            "irsnap -o - > host.tar");
    }
    if (o.output == "-" && o.json) {
        throw UsageError("--json prints on stdout, which -o - uses for the tar stream");
    }
    return o;
}

/// Beside the executable when writable (a USB stick), else the current directory; the
/// fallback is announced because it may be the suspect's own disk.
std::filesystem::path default_output_dir(bool quiet) {
    auto exe_dir = running_executable().parent_path();
    if (!exe_dir.empty() && directory_writable(exe_dir)) return exe_dir;
    auto cwd = std::filesystem::current_path();
    if (!quiet) {
        console(
            fmt::format("note: {} is not writable; writing into the current directory {} "
                        "(use -o to choose)\n",
                        exe_dir.string(), cwd.string()));
    }
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
void describe_run_context(const Context& ctx, ManifestInput& input, spdlog::logger& log) {
    // A copy without the run's pointers (logger, cancel flag, hash cache): a step left behind
    // must not touch anything that goes away with this function.
    Context copy;
    copy.proc_root = ctx.proc_root;
    copy.host_root = ctx.host_root;
    auto run = [&](const char* what, json (*describe)(const Context&, std::vector<std::string>&),
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

int exit_code_for(const RunOutcome& run) {
    if (run.output_failed) return to_int(ExitCode::output_unusable);
    if (run.interrupted) return to_int(ExitCode::interrupted);
    return run_status(run) == RunStatus::complete ? to_int(ExitCode::ok)
                                                  : to_int(ExitCode::reduced_coverage);
}

std::string coverage_line(const RunOutcome& run) {
    std::map<std::string, int> counts;
    for (const auto& c : run.collectors) ++counts[std::string(to_string(c.status))];
    std::string out;
    for (const auto& [status, n] : counts) {
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, status);
    }
    if (geteuid() != 0) out += "; not root: other users' details were denied";
    return out;
}

void print_final_block(const CollectOptions& o, const BundleOutput& bundle, RunStatus status,
                       const std::string& digest, const RunOutcome& run) {
    if (o.quiet) return;
    console(fmt::format(
        "\n{}  bundle: {}\n      manifest SHA-256: {}\n"
        "      write this digest on the custody form.\n      coverage: {}\n",
        status == RunStatus::complete || status == RunStatus::partial ? "DONE" : "STOPPED",
        bundle.location(), digest, coverage_line(run)));
    if (status == RunStatus::interrupted) {
        console(
            "      interrupted: the bundle holds what was collected so far and still "
            "verifies.\n");
    }
}

json summary_json(const BundleOutput& bundle, RunStatus status, const std::string& digest,
                  const RunOutcome& run, int code) {
    json collectors = json::array();
    for (const auto& c : run.collectors) {
        collectors.push_back({{"name", c.name},
                              {"status", to_string(c.status)},
                              {"records", c.records},
                              {"errors", c.error_count},
                              {"message", c.message}});
    }
    return {{"bundle", bundle.location()},
            {"status", to_string(status)},
            {"manifest_sha256", digest},
            {"exit_code", code},
            {"collectors", collectors}};
}

int collect(const CollectOptions& o, const std::vector<std::string>& argv) {
    validate_selection(registered_collectors(), o.only, o.exclude);
    install_signal_handlers();
    init_crypto();
    const ClockSample start = sample_clocks();
    std::string nice_note;
    if (o.nice) nice_note = lower_own_priority();

    const bool stream = o.output == "-";
    std::filesystem::path out_dir = stream             ? std::filesystem::path("-")
                                    : o.output.empty() ? default_output_dir(o.quiet)
                                                       : path_from_utf8(o.output);
    std::unique_ptr<BundleOutput> bundle;
    std::unique_ptr<ArtifactWriter> log_writer;
    if (stream && standard_fd_was_closed(STDOUT_FILENO)) {
        print_error(
            "-o -: stdout is closed, so the tar stream has nowhere to go; nothing collected");
        return to_int(ExitCode::output_unusable);
    }
    try {
        if (stream) {
            bundle = TarStreamBundle::create(STDOUT_FILENO, bundle_host_name(), start.realtime_ns);
        } else {
            bundle = Bundle::create(out_dir, bundle_host_name(), start.realtime_ns);
        }
        log_writer = bundle->create_file("collection.log");
    } catch (const OutputError& e) {
        print_error(e.what());
        return to_int(ExitCode::output_unusable);
    }
    auto logger = make_collection_logger(*log_writer, o.verbose);
    // With -o -, stderr gets the final block or one error line, as documented: the reader
    // of a stream can go away at any time (`| head`, a dropped ssh session), and a line per
    // collector before it went would only bury the one line that says so.
    if (!o.quiet && !stream) {
        console(
            fmt::format("irsnap {}: collecting into {}\n", build::k_version, bundle->location()));
    }
    logger->info("irsnap {} ({}) start; bundle {}", build::k_version, build::k_git_revision,
                 bundle->location());
    if (!nice_note.empty()) logger->info("priority lowered: {}", nice_note);

    Context ctx;
    ctx.proc_root = o.proc_root;
    ctx.host_root = o.host_root;
    ctx.params = {!o.no_hash, o.max_hash_bytes, o.include_environment, o.debug_slow_ms,
                  o.threads,  o.pid_max,        o.debug_unlist_pids};
    ctx.cancel = &g_cancel;
    ctx.logger = logger.get();

    ManifestInput input;
    input.case_info = o.case_info;
    input.bundle_name = bundle->name();
    input.output_kind = bundle->kind();
    input.start = start;
    input.tool = tool_identity(argv, input.notes, *logger);
    describe_run_context(ctx, input, *logger);
    input.options = {{"output", out_dir.string()},
                     {"collectors", o.only},
                     {"exclude", o.exclude},
                     {"hash", !o.no_hash},
                     {"max_hash_bytes", o.max_hash_bytes},
                     {"threads", o.threads},
                     {"nice", o.nice},
                     {"timeout_per_collector_s", o.timeout_s},
                     {"include_environment", o.include_environment},
                     {"proc_root", o.proc_root},
                     {"host_root", o.host_root},
                     {"debug_slow_ms", o.debug_slow_ms},
                     {"pid_max", o.pid_max},
                     {"debug_unlist_pids", o.debug_unlist_pids}};

    std::unique_ptr<HashCache> hashes;
    if (!o.no_hash) hashes = std::make_unique<HashCache>(o.threads, o.max_hash_bytes, &g_cancel);
    ctx.hashes = hashes.get();

    RunRequest request{ctx, o.only, o.exclude, std::chrono::seconds(o.timeout_s)};
    ConsoleProgress progress(o.quiet, stream);
    std::optional<StreamReaderWatch> reader_watch;
    if (stream) reader_watch.emplace(STDOUT_FILENO);
    input.run = run_collectors(registered_collectors(), *bundle, request, &progress);
    if (reader_watch && reader_watch->gone() && !input.run.output_failed) {
        input.run.output_failed = true;
        input.run.output_error = "the tar stream's reader went away (connection closed?): stopped";
    }
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
    RunStatus status = run_status(input.run);
    logger->info("run {}; writing manifest", to_string(status));
    logger->flush();

    int code = exit_code_for(input.run);
    try {
        log_writer->close();
    } catch (const OutputError& e) {
        // The digest still covers what reached the disk; the manifest is still worth trying.
        input.run.output_failed = true;
        if (input.run.output_error.empty()) input.run.output_error = e.what();
        code = to_int(ExitCode::output_unusable);
    }
    input.log = {"collection.log", log_writer->bytes(), 0, log_writer->sha256()};
    status = run_status(input.run);
    std::string digest;
    try {
        digest = bundle->write_manifest(build_manifest(input));
    } catch (const OutputError& e) {
        print_error(
            fmt::format("{}; the manifest could not be written, so this bundle cannot "
                        "be verified",
                        e.what()));
        return to_int(ExitCode::output_unusable);
    }
    if (input.run.output_failed) print_error(input.run.output_error);
    print_final_block(o, *bundle, status, digest, input.run);
    if (o.json) {
        std::cout << dump_for_terminal(summary_json(*bundle, status, digest, input.run, code))
                  << std::endl;
    }
    return code;
}

}  // namespace

int run_collect(const Invocation& inv) {
    try {
        auto options = parse_collect(inv.args);
        if (!options) return to_int(ExitCode::ok);
        return collect(*options, inv.full_argv);
    } catch (const UsageError& e) {
        print_error(e.what());
        return to_int(ExitCode::usage);
    }
}

}  // namespace irsnap::cli
