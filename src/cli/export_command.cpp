// SPDX-License-Identifier: Apache-2.0
// `irsnap export BUNDLE... --format sqlite|jsonl|timesketch|bodyfile -o FILE`: bundles into what
// other tools load. The output is created exclusively and never replaces a file (it could be
// another export, or evidence); a failed export removes what it wrote, so a file that exists is
// whole.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "irsnap/artifact_writer.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/export.hpp"
#include "irsnap/text.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {
namespace {

namespace ex = irsnap::exports;

/// The file this export created, for the signal handler; null until it exists (never another's).
const char* volatile g_created = nullptr;

/// Ctrl-C, kill or a dropped ssh session: remove the unfinished output (unlink and write are
/// async-signal-safe), so no half-written export is ever taken for a whole one.
extern "C" void on_export_stop_signal(int) {
    if (const char* path = g_created) ::unlink(path);
    constexpr char k_message[] = "irsnap: export interrupted; the unfinished output was removed\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, k_message, sizeof k_message - 1);
    ::_exit(to_int(ExitCode::interrupted));
}

/// A crash (a bug, or a bundle that found one): remove the unfinished output too, then die of
/// the same signal (SA_RESETHAND restored the default action) so the crash stays visible to the
/// shell and to core dumps. Exceptions unwind through CreatedFile, which removes it as well.
extern "C" void on_export_crash_signal(int sig) {
    if (const char* path = g_created) ::unlink(path);
    constexpr char k_message[] = "irsnap: export crashed; the unfinished output was removed\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, k_message, sizeof k_message - 1);
    ::raise(sig);
}

// Signals beyond the C standard's exist only where POSIX does (the Windows build's POSIX layer has
// INT, TERM, HUP and the C ones): tested by feature, as their own macros.
constexpr int k_stop_signals[] = {SIGINT,  SIGTERM, SIGHUP,
#ifdef SIGQUIT
                                  SIGQUIT, SIGXFSZ, SIGXCPU, SIGALRM,
                                  SIGUSR1, SIGUSR2
#endif
};
constexpr int k_crash_signals[] = {SIGSEGV, SIGFPE,  SIGILL, SIGABRT,
#ifdef SIGBUS
                                   SIGBUS,  SIGTRAP, SIGSYS
#endif
};

void install_export_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_export_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : k_stop_signals) sigaction(sig, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a closed stdout becomes a write error (exit 3), as in collect
    struct sigaction crash {};
    crash.sa_handler = on_export_crash_signal;
    crash.sa_flags = SA_RESETHAND;
#ifdef SA_ONSTACK
    // A stack overflow raises SIGSEGV with no stack left: the handler runs on its own.
    static char alt_stack[1 << 16];
    stack_t ss{};
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof alt_stack;
    sigaltstack(&ss, nullptr);
    crash.sa_flags |= SA_ONSTACK | SA_NODEFER;
#endif
    sigemptyset(&crash.sa_mask);
    for (int sig : k_crash_signals) sigaction(sig, &crash, nullptr);
}

struct ExportArgs {
    std::vector<std::string> bundles;
    std::string format;
    std::string output;
    bool findings = true;
    int recent_days = 7;
    bool quiet = false;
};

/// The output file, created exclusively; removed again unless keep() was called.
class CreatedFile {
  public:
    explicit CreatedFile(std::string path) : m_path(std::move(path)) {
        m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (m_fd >= 0) {
            g_created = m_path.c_str();
            return;
        }
        if (errno == EEXIST) {
            throw OutputError(m_path, EEXIST,
                              m_path +
                                  " exists: irsnap export never replaces a file; remove it "
                                  "or choose another name");
        }
        throw OutputError(m_path, errno);
    }
    ~CreatedFile() {
        close_fd();
        g_created = nullptr;
        if (!m_keep) ::unlink(m_path.c_str());
    }
    CreatedFile(const CreatedFile&) = delete;
    CreatedFile& operator=(const CreatedFile&) = delete;

    int fd() const { return m_fd; }
    /// SQLite opens the file by name itself.
    void close_fd() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }
    void keep() {
        g_created = nullptr;  // complete now: a late signal must not remove it
        m_keep = true;
    }

  private:
    std::string m_path;
    int m_fd = -1;
    bool m_keep = false;
};

std::string describe(const ex::BundleExport& b, const std::string& format) {
    std::string text = format_safe("{} (host {}): {} record{}", b.summary.name,
                                   b.summary.host.empty() ? "?" : b.summary.host, b.records,
                                   b.records == 1 ? "" : "s");
    if (format == "timesketch") text += fmt::format(" read, {} events written", b.events);
    if (format == "bodyfile") text += fmt::format(" read, {} lines written", b.events);
    if (format == "sqlite") text += fmt::format(", {} findings", b.findings);
    if (b.skipped_lines) text += fmt::format(", {} lines not JSON (skipped)", b.skipped_lines);
    if (b.summary.oversized_lines) {
        text += fmt::format(", {} lines over the {} MiB record limit (skipped)",
                            b.summary.oversized_lines, k_max_line_bytes >> 20);
    }
    text += b.summary.verified ? ", verified"
                               : ", NOT VERIFIED: " + terminal_safe(b.summary.verify_note);
    return text;
}

ExportArgs parse(const Invocation& inv, bool& help_shown) {
    ExportArgs a;
    po::options_description desc(
        "irsnap export BUNDLE...: bundles into SQLite, merged JSON Lines, Timesketch JSONL or a\n"
        "TSK bodyfile\n\n"
        "Usage: irsnap export BUNDLE_DIR|BUNDLE.tar... --format FORMAT -o FILE\n"
        "  sqlite      one database: hosts, bundles, one table per collector, findings,\n"
        "              custody, collector_runs; indexed for stacking queries\n"
        "  jsonl       every record, one per line, with \"irsnap\": {host, bundle, collector,\n"
        "              artifact, line, collected} added (Elastic, Splunk); -o - for stdout\n"
        "  timesketch  process starts, autorun file times, boot, logins, collection and\n"
        "              custody events with message/datetime/timestamp_desc; -o - for stdout\n"
        "  bodyfile    the timeline collector's records as a TSK 3.x bodyfile for mactime -b\n"
        "              (names of several bundles start with HOST:); -o - for stdout\n"
        "Each bundle is verified first; one that does not verify is still exported and the\n"
        "exit code is 5. FILE must not exist: irsnap never replaces a file.\n\nOptions");
    desc.add_options()("help,h", "show this help")(
        "format,f", po::value(&a.format), "sqlite, jsonl, timesketch or bodyfile (required)")(
        "output,o", po::value(&a.output),
        "FILE to create (required; - is stdout for jsonl, "
        "timesketch and bodyfile)")("no-findings",
                                    "sqlite: do not run the triage rules into the findings table")(
        "recent-days", number_value(&a.recent_days, "recent-days", 0, 3650),
        "sqlite findings: autoruns changed this many days before collection (default 7)")(
        "quiet,q", po::bool_switch(&a.quiet), "print only errors");
    std::vector<std::string> identities;
    add_identity_option(desc, &identities);
    po::options_description all;
    all.add(desc).add_options()("bundle", po::value(&a.bundles));
    po::positional_options_description pos;
    pos.add("bundle", -1);
    po::variables_map vm;
    parse_args("export", inv.args, all, &pos, vm);
    if (vm.count("help")) {
        std::cout << desc << "\n" << exit_codes_help("export");
        help_shown = true;
        return a;
    }
    load_identities(identities);
    a.findings = vm.count("no-findings") == 0;
    if (a.bundles.empty()) throw UsageError("export needs at least one bundle directory or tar");
    if (a.format != "sqlite" && a.format != "jsonl" && a.format != "timesketch" &&
        a.format != "bodyfile") {
        throw UsageError("--format must be sqlite, jsonl, timesketch or bodyfile");
    }
    if (a.output.empty()) throw UsageError("export needs -o FILE");
    if (a.output == "-" && a.format == "sqlite") {
        throw UsageError("--format sqlite needs a file (-o FILE), not stdout");
    }
    // A mistyped bundle is a usage error before anything is created.
    // So is a path that is no bundle at all (/etc, a text file): one line, never a walk.
    for (const auto& b : a.bundles) {
        const BundleProbe probe = probe_bundle(path_from_utf8(b));
        if (probe.kind == BundleKind::not_a_bundle) {
            throw UsageError(fmt::format("cannot read bundle {}: {}", b, probe.error));
        }
    }
    return a;
}

/// Runs the export; returns whether every bundle was read and verified.
bool export_all(const ExportArgs& a) {
    const auto started = std::chrono::steady_clock::now();
    bool all_verified = true;
    uint64_t records = 0;
    auto report = [&](const ex::BundleExport& b) {
        if (!b.summary.error.empty()) {
            print_error("cannot read bundle " + b.summary.error + " (not exported)");
            all_verified = false;
            return;
        }
        all_verified = all_verified && b.summary.verified;
        records += a.format == "timesketch" || a.format == "bodyfile" ? b.events : b.records;
        warn_record_counts(b.summary);
        for (const auto& e : b.summary.line_errors) print_error(b.summary.name + ": " + e);
        if (!a.quiet || !b.summary.verified) console("exported " + describe(b, a.format) + "\n");
    };

    std::optional<CreatedFile> file;
    if (a.output != "-") file.emplace(a.output);
    if (a.format == "sqlite") {
        file->close_fd();
        ex::SqliteExport db(a.output, {a.findings, a.recent_days});
        for (const auto& b : a.bundles) report(db.add(b));
        db.finish();
    } else {
        ex::OutputStream out(file ? file->fd() : STDOUT_FILENO, file ? a.output : "stdout");
        for (const auto& b : a.bundles) {
            report(a.format == "jsonl"      ? ex::export_jsonl(b, out)
                   : a.format == "bodyfile" ? ex::export_bodyfile(b, out, a.bundles.size() > 1)
                                            : ex::export_timesketch(b, out));
        }
        out.flush();
        if (file && ::fsync(file->fd()) != 0 && errno != EINVAL) throw OutputError(a.output, errno);
    }
    if (file) file->keep();
    if (!a.quiet) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        console(fmt::format("wrote {}: {} bundle{}, {} {}, {:.2f} s\n",
                            a.output == "-" ? "stdout" : a.output, a.bundles.size(),
                            a.bundles.size() == 1 ? "" : "s", records,
                            a.format == "timesketch" ? "events"
                            : a.format == "bodyfile" ? "lines"
                                                     : "records",
                            seconds));
    }
    return all_verified;
}

}  // namespace

int run_export(const Invocation& inv) {
    return guarded([&] {
        bool help_shown = false;
        const ExportArgs a = parse(inv, help_shown);
        if (help_shown) return to_int(ExitCode::ok);
        install_export_signal_handlers();
        try {
            return export_all(a) ? to_int(ExitCode::ok) : to_int(ExitCode::verify_failed);
        } catch (const OutputError& e) {
            print_error(e.what());
        } catch (const ex::ExportError& e) {
            print_error(e.what());
        }
        return to_int(ExitCode::output_unusable);
    });
}

}  // namespace irsnap::cli
