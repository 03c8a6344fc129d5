// SPDX-License-Identifier: Apache-2.0
// `irsnap collect`: options, signals, progress and final message, exit code. The run itself is
// run_collection() (src/core/collect_run.cpp).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <type_traits>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "irsnap/bundle_output.hpp"
#include "irsnap/collect_options.hpp"
#include "irsnap/collect_run.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/host.hpp"
#include "irsnap/manifest.hpp"
#include "irsnap/registry.hpp"
#include "irsnap/sealed_output.hpp"
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

/// First SIGINT/SIGTERM/SIGHUP asks for a clean stop; SA_RESETHAND lets a second one kill.
void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a closed stdout must become a write error, not a silent death
}

/// The Boost value of one option of the table: the field's type says how its text is read.
po::value_semantic* option_value(const CollectOptionSpec& spec, CollectOptions& o) {
    return std::visit(
        [&](const auto& field) -> po::value_semantic* {
            auto& target = field.ref(o);
            using T = std::remove_reference_t<decltype(target)>;
            if constexpr (std::is_same_v<T, bool>) {
                const bool negated = spec.negated;
                return po::bool_switch()->notifier(
                    [&target, negated](bool on) { target = negated ? !on : on; });
            } else if constexpr (std::is_same_v<T, std::string>) {
                auto* value = po::value<std::string>()->notifier(
                    [&target](const std::string& text) { target = text; });
                if (!spec.default_text.empty()) value->default_value(spec.default_text);
                return value;
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                return po::value<std::vector<std::string>>()->composing()->notifier(
                    [&target](const std::vector<std::string>& texts) {
                        target = split_list(texts);
                    });
            } else if constexpr (std::is_integral_v<T>) {
                auto* value = number_value(&target, spec.name, spec.min, spec.max);
                if (!spec.default_text.empty()) value->default_value(spec.default_text);
                return value;
            } else {
                static_assert(std::is_same_v<T, std::vector<int64_t>>);
                return number_list_value(&target, spec.name, spec.min, spec.max);
            }
        },
        spec.field);
}

std::optional<CollectOptions> parse_collect(const std::vector<std::string>& args) {
    CollectOptions o;
    po::options_description visible(
        "irsnap collect: snapshot this host into a bundle\n\n"
        "Usage: irsnap [collect] [OPTIONS]\n\nOptions");
    visible.add_options()("help,h", "show this help");
    po::options_description hidden;
    for (const auto& spec : collect_option_table()) {
        const std::string name =
            spec.short_name ? spec.name + "," + std::string(1, spec.short_name) : spec.name;
        (spec.hidden ? hidden : visible)
            .add_options()(name.c_str(), option_value(spec, o), spec.help.c_str());
    }
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
    if (o.params.pid_max == 1) {
        throw UsageError("--pid-max must be 0 (the kernel's pid_max) or between 2 and " +
                         std::to_string(k_pid_max_limit));
    }
    if (o.params.samples != "suspicious" && o.params.samples != "all-executables") {
        throw UsageError(format_safe(
            "--samples {}: choose suspicious or all-executables (see 'irsnap collect --help')",
            o.params.samples));
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
    // Resolved before anything is collected: a key that does not parse stops the run here
    // rather than let a bundle meant to be sealed go out in plaintext.
    SealPlan plan =
        resolve_seal_plan(o.recipients, o.recipients_file, running_executable().parent_path());
    o.seal_to = std::move(plan.recipients);
    o.seal_source = std::move(plan.source);
    return o;
}

/// The terminal side of a run: the fallback note, the "collecting into" line and one line per
/// collector (ConsoleProgress).
class TerminalReporter final : public CollectReporter {
  public:
    TerminalReporter(bool quiet, bool stream)
        : m_quiet(quiet), m_stream(stream), m_progress(quiet, stream) {}
    void output_fallback(const std::filesystem::path& unwritable,
                         const std::filesystem::path& used) override {
        if (m_quiet) return;
        console(
            fmt::format("note: {} is not writable; writing into the current directory {} "
                        "(use -o to choose)\n",
                        unwritable.string(), used.string()));
    }
    void collecting(const BundleOutput& bundle) override {
        // With -o -, stderr gets the final block or one error line, as documented: the reader
        // of a stream can go away at any time (`| head`, a dropped ssh session), and a line per
        // collector before it went would only bury the one line that says so.
        if (!m_quiet && !m_stream) {
            console(fmt::format("irsnap {}: collecting into {}\n", build::k_version,
                                bundle.location()));
        }
    }
    void started(const CollectorSpec& spec, size_t index, size_t total) override {
        m_progress.started(spec, index, total);
    }
    void finished(const CollectorOutcome& outcome, size_t index, size_t total) override {
        m_progress.finished(outcome, index, total);
    }

  private:
    bool m_quiet;
    bool m_stream;
    ConsoleProgress m_progress;
};

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

void print_final_block(const CollectOptions& o, const CollectOutcome& outcome) {
    if (o.quiet) return;
    const RunStatus status = outcome.status;
    const char* head =
        status == RunStatus::complete || status == RunStatus::partial ? "DONE" : "STOPPED";
    if (outcome.sealed_path.empty()) {
        console(fmt::format(
            "\n{}  bundle: {}\n      manifest SHA-256: {}\n"
            "      write this digest on the custody form.\n      coverage: {}\n",
            head, outcome.bundle_location, outcome.manifest_sha256, coverage_line(outcome.run)));
    } else {
        // Two digests: the sealed file's can be checked by anyone who carries it, without the
        // key; the manifest's, inside, by the analyst after opening it.
        console(
            fmt::format("\n{}  sealed bundle: {} ({} bytes)\n      sealed file SHA-256: {}\n"
                        "      manifest SHA-256:    {}\n      sealed to: {}\n"
                        "      write both digests on the custody form.\n      coverage: {}\n",
                        head, outcome.bundle_location, outcome.sealed_bytes, outcome.sealed_sha256,
                        outcome.manifest_sha256, fmt::join(outcome.sealed_to, ", "),
                        coverage_line(outcome.run)));
    }
    if (status == RunStatus::interrupted) {
        console(
            "      interrupted: the bundle holds what was collected so far and still "
            "verifies.\n");
    }
}

json summary_json(const CollectOutcome& outcome, int code) {
    const RunOutcome& run = outcome.run;
    json collectors = json::array();
    for (const auto& c : run.collectors) {
        collectors.push_back({{"name", c.name},
                              {"status", to_string(c.status)},
                              {"records", c.records},
                              {"errors", c.error_count},
                              {"message", c.message}});
    }
    json out = {{"bundle", outcome.bundle_location},
                {"status", to_string(outcome.status)},
                {"manifest_sha256", outcome.manifest_sha256},
                {"exit_code", code},
                {"collectors", collectors}};
    if (!outcome.sealed_path.empty()) {
        out["sealed"] = {{"path", outcome.sealed_path},
                         {"sha256", outcome.sealed_sha256},
                         {"bytes", outcome.sealed_bytes},
                         {"recipients", outcome.sealed_to}};
    }
    return out;
}

int collect(const CollectOptions& o, const std::vector<std::string>& argv) {
    validate_selection(registered_collectors(), o.only, o.exclude);
    install_signal_handlers();
    TerminalReporter reporter(o.quiet, o.output == "-");
    const CollectOutcome outcome =
        run_collection({o, argv, &g_cancel}, registered_collectors(), reporter);
    if (outcome.manifest_sha256.empty()) {  // no manifest: nothing verifiable
        print_error(outcome.failure);
        return to_int(ExitCode::output_unusable);
    }
    const int code = exit_code_for(outcome.run);
    if (outcome.run.output_failed) print_error(outcome.run.output_error);
    print_final_block(o, outcome);
    if (o.json) {
        std::cout << dump_for_terminal(summary_json(outcome, code)) << std::endl;
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
