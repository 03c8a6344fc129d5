// SPDX-License-Identifier: Apache-2.0
// Entry point: picks the subcommand. A bare `irsnap` means `irsnap collect` with safe defaults,
// so remote staff need to type (or double-click) nothing else.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include <fmt/format.h>

#include "build_info.hpp"
#include "commands.hpp"
#include "irsnap/bundle_reader.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/host.hpp"
#include "irsnap/time_zone.hpp"

namespace irsnap::cli {

const char* const k_exit_codes_help =
    "Exit codes:\n"
    "  0  success: everything asked for was collected (verify: bundle intact)\n"
    "  1  success with reduced coverage (e.g. not root): bundle valid, see manifest coverage\n"
    "  2  usage error: bad option or argument, nothing collected\n"
    "  3  output unusable: cannot create or write the bundle (full, read-only, missing)\n"
    "  4  interrupted (SIGINT/SIGTERM/SIGHUP): partial bundle marked 'interrupted'\n"
    "  5  verify failed: a file changed, is missing or unexpected, or no manifest (run killed)\n"
    "  6  internal error: please report it with collection.log\n";

void console(const std::string& text) noexcept {
    std::fputs(text.c_str(), stderr);  // errors ignored on purpose: see commands.hpp
    std::fflush(stderr);
}

void print_error(const std::string& message) noexcept {
    console("irsnap: ");
    console(message);
    console("\n");
}

void warn_record_counts(const BundleSummary& summary) noexcept {
    const std::string text = record_mismatch_text(summary);
    if (!text.empty()) console("irsnap: warning: " + summary.name + ": " + text + "\n");
}

namespace {

void print_global_help() {
    fmt::print(
        "irsnap {}: live-response evidence collector\n\n"
        "Usage: irsnap [COMMAND] [OPTIONS]\n\n"
        "Commands:\n"
        "  collect         snapshot this host into a bundle (the default: `irsnap` alone)\n"
        "  verify BUNDLE   recompute every digest and check the manifest (directory, tar or -)\n"
        "  unpack TAR [DIR]  verify a streamed bundle (-o -), then extract it into DIR\n"
        "  list            collectors in run order, with volatility rank and reason\n"
        "  describe NAME   a collector's spec: fields, privileges, platforms\n"
        "  procedure       the one-page printed procedure and custody form for on-site staff\n"
        "  custody BUNDLE  record a custody event (transfer ...) in the bundle's custody.jsonl\n"
        "  triage BUNDLE   findings by urgency: hidden processes, fileless code, LD_PRELOAD ...\n"
        "  stack BUNDLE... what few hosts have (rarest first): hashes, autoruns, endpoints ...\n"
        "  export BUNDLE... -o FILE  to SQLite, JSON Lines (Elastic, Splunk) or Timesketch\n\n"
        "Options:\n"
        "  -h, --help      this help; `irsnap COMMAND --help` for a command's options\n"
        "  --version       version, git revision, build type, compiler, static or not, "
        "SHA-256\n\n{}",
        build::k_version, k_exit_codes_help);
}

void print_version() {
    fmt::print("irsnap {}\nrevision: {}\nbuild: {}\ncompiler: {}\nlinked: {}\n", build::k_version,
               build::k_git_revision, build::k_build_type, build::k_compiler,
               build::k_static ? "static" : "dynamic");
    if (std::strlen(build::k_sanitizers) > 0) fmt::print("sanitizers: {}\n", build::k_sanitizers);
    // Lets whoever prepares a USB stick compare the program with the printed procedure.
    init_crypto();
    fmt::print("sha256: {}\n", running_executable_sha256().value_or("unknown"));
}

int dispatch(int argc, char** argv) {
    Invocation inv;
    for (int i = 0; i < argc; ++i) inv.full_argv.emplace_back(argv[i]);
    std::string command = "collect";
    int first = 1;
    if (argc > 1 && argv[1][0] != '-') {
        command = argv[1];
        first = 2;
    } else if (argc > 1) {
        std::string a = argv[1];
        if (a == "-h" || a == "--help") {
            print_global_help();
            return to_int(ExitCode::ok);
        }
        if (a == "--version" || a == "-V") {
            print_version();
            return to_int(ExitCode::ok);
        }
    }
    for (int i = first; i < argc; ++i) inv.args.emplace_back(argv[i]);
    if (command == "collect") return run_collect(inv);
    if (command == "verify") return run_verify(inv);
    if (command == "unpack") return run_unpack(inv);
    if (command == "list") return run_list(inv);
    if (command == "describe") return run_describe(inv);
    if (command == "procedure") return run_procedure(inv);
    if (command == "custody") return run_custody(inv);
    if (command == "triage") return run_triage(inv);
    if (command == "stack") return run_stack(inv);
    if (command == "export") return run_export(inv);
    if (command == "help") {
        print_global_help();
        return to_int(ExitCode::ok);
    }
    print_error(fmt::format(
        "unknown command '{}' (commands: collect, verify, unpack, list, describe, procedure, "
        "custody, triage, stack, export; see 'irsnap --help')",
        command));
    return to_int(ExitCode::usage);
}

}  // namespace
}  // namespace irsnap::cli

int main(int argc, char** argv) {
    // A closed stdin/stdout/stderr would hand its number to the next file we open (the log),
    // and console text would land inside evidence.
    irsnap::ensure_standard_fds();
    // Before any time function: see time_zone.hpp (host files keep their access times).
    irsnap::pin_time_zone();
    int rc = irsnap::to_int(irsnap::ExitCode::internal);
    try {
        std::vector<std::string> args = irsnap::command_line_arguments(argc, argv);
        std::vector<char*> pointers;
        pointers.reserve(args.size() + 1);
        for (auto& a : args) pointers.push_back(a.data());
        pointers.push_back(nullptr);
        rc = irsnap::cli::dispatch(static_cast<int>(args.size()), pointers.data());
    } catch (const std::exception& e) {
        irsnap::cli::print_error(std::string("internal error: ") + e.what());
    } catch (...) {
        irsnap::cli::print_error("internal error");
    }
    irsnap::wait_if_console_is_ours();
    return rc;
}
