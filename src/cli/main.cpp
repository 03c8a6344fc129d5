// SPDX-License-Identifier: Apache-2.0
// Entry point: picks the subcommand. A bare `irsnap` means `irsnap collect` with safe defaults,
// so remote staff need to type (or double-click) nothing else.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "build_info.hpp"
#include "commands.hpp"
#include "irsnap/bundle_reader.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/host.hpp"
#include "irsnap/text.hpp"
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

namespace {

struct ExitLine {
    int code;
    const char* meaning;
};

struct CommandExits {
    const char* command;
    std::vector<ExitLine> lines;
};

/// Per subcommand, the codes it can return, in the words of docs/exit-codes.md (which says
/// when each one applies). 2 and 6 are common to all; a code a command never returns is left
/// out, so `irsnap list --help` does not promise an "interrupted" bundle.
const std::vector<CommandExits>& command_exits() {
    static const ExitLine k_usage{2, "usage error: bad option or argument, nothing done"};
    static const ExitLine k_internal{6, "internal error: please report it"};
    static const std::vector<CommandExits> k_table = {
        {"collect",
         {{0, "success: everything asked for was collected"},
          {1,
           "success with reduced coverage (e.g. not root): bundle valid, see manifest "
           "coverage"},
          {2, "usage error: bad option or argument, nothing collected"},
          {3, "output unusable: cannot create or write the bundle (full, read-only, missing)"},
          {4, "interrupted (SIGINT/SIGTERM/SIGHUP): partial bundle marked 'interrupted'"},
          {6, "internal error: please report it with collection.log"}}},
        {"verify",
         {{0, "bundle intact: every digest matches the manifest"},
          k_usage,
          {5, "verify failed: a file changed, is missing or unexpected, or bundle incomplete"},
          k_internal}},
        {"unpack",
         {{0, "the tar verified and was extracted"},
          k_usage,
          {3, "extraction failed: the bundle directory exists, or a file could not be written"},
          {5, "the tar does not verify: nothing was extracted"},
          k_internal}},
        {"extract",
         {{0, "every selected member was extracted and matched its record"},
          k_usage,
          {3, "the tar could not be unpacked into DIR"},
          {5, "the bundle does not verify (nothing extracted), or a member was refused"},
          k_internal}},
        {"keygen",
         {{0, "the identity was written and its public key printed"},
          k_usage,
          {3, "the identity file could not be created (it exists: never replaced)"},
          k_internal}},
        {"list", {{0, "success"}, k_usage, k_internal}},
        {"describe", {{0, "success"}, {2, "usage error, or an unknown collector"}, k_internal}},
        {"procedure",
         {{0, "the page was written to stdout"},
          k_usage,
          {3, "stdout could not be written"},
          k_internal}},
        {"custody",
         {{0, "the event was appended to custody.jsonl"},
          {2, "usage error: bad option or argument, nothing written"},
          {3, "custody.jsonl could not be created, locked or written"},
          {5, "the bundle does not verify: nothing was recorded"},
          k_internal}},
        {"triage",
         {{0, "the bundle verified (findings or not)"},
          k_usage,
          {3, "stdout could not be written"},
          {5, "the bundle did not verify: findings are still shown, marked NOT VERIFIED"},
          k_internal}},
        {"stack",
         {{0, "every bundle verified"},
          k_usage,
          {3, "stdout could not be written"},
          {5, "at least one bundle did not verify: it is named on the first line"},
          k_internal}},
        {"export",
         {{0, "every bundle verified and was exported"},
          {2, "usage error: bad option or argument, nothing written"},
          {3, "the output exists (never replaced) or could not be written: removed again"},
          {4, "interrupted by a signal: the unfinished output was removed"},
          {5, "at least one bundle did not verify: it is still exported, and marked"},
          k_internal}},
    };
    return k_table;
}

}  // namespace

std::string exit_codes_help(const std::string& command) {
    for (const auto& entry : command_exits()) {
        if (command != entry.command) continue;
        std::string out = "Exit codes:\n";
        for (const auto& line : entry.lines)
            out += fmt::format("  {}  {}\n", line.code, line.meaning);
        return out + "  (docs/exit-codes.md says when each applies)\n";
    }
    return k_exit_codes_help;
}

void console(const std::string& text) noexcept {
    std::fputs(text.c_str(), stderr);  // errors ignored on purpose: see commands.hpp
    std::fflush(stderr);
}

void print_error(const std::string& message) noexcept {
    console("irsnap: ");
    console(terminal_safe(message));  // names a path or member: host or bundle text
    console("\n");
}

void warn_record_counts(const BundleSummary& summary) noexcept {
    const std::string text = record_mismatch_text(summary);
    if (!text.empty()) {
        console("irsnap: warning: " + terminal_safe(summary.name) + ": " + terminal_safe(text) +
                "\n");
    }
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
        "  extract BUNDLE DIR  specimens, copied files and memory, decrypted and re-hashed\n"
        "  list            collectors in run order, with volatility rank and reason\n"
        "  describe NAME   a collector's spec: fields, privileges, platforms\n"
        "  procedure       the one-page printed procedure and custody form for on-site staff\n"
        "  custody BUNDLE  record a custody event (transfer ...) in the bundle's custody.jsonl\n"
        "  triage BUNDLE   findings by urgency: hidden processes, fileless code, LD_PRELOAD ...\n"
        "  stack BUNDLE... what few hosts have (rarest first): hashes, autoruns, endpoints ...\n"
        "  export BUNDLE... -o FILE  to SQLite, JSON Lines (Elastic, Splunk) or Timesketch\n"
        "  keygen -o FILE  a new age identity for sealed bundles; prints its public key\n"
        "Sealed bundles (.tar.age, collect --recipient): give -i KEYFILE to verify, unpack,\n"
        "extract, triage, stack and export.\n\n"
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
    if (command == "extract") return run_extract(inv);
    if (command == "list") return run_list(inv);
    if (command == "describe") return run_describe(inv);
    if (command == "procedure") return run_procedure(inv);
    if (command == "custody") return run_custody(inv);
    if (command == "triage") return run_triage(inv);
    if (command == "stack") return run_stack(inv);
    if (command == "export") return run_export(inv);
    if (command == "keygen") return run_keygen(inv);
    if (command == "help") {
        print_global_help();
        return to_int(ExitCode::ok);
    }
    print_error(
        fmt::format("unknown command '{}' (commands: collect, verify, unpack, extract, list, "
                    "describe, procedure, "
                    "custody, triage, stack, export, keygen; see 'irsnap --help')",
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
