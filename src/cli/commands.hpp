// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace irsnap {
struct BundleSummary;
}

namespace irsnap::cli {

/// Arguments after the subcommand name, plus the exact argv for the manifest.
struct Invocation {
    std::vector<std::string> args;
    std::vector<std::string> full_argv;
};

int run_collect(const Invocation& inv);
int run_verify(const Invocation& inv);
int run_unpack(const Invocation& inv);
int run_extract(const Invocation& inv);
int run_list(const Invocation& inv);
int run_describe(const Invocation& inv);
int run_procedure(const Invocation& inv);
int run_custody(const Invocation& inv);
int run_triage(const Invocation& inv);
int run_export(const Invocation& inv);
int run_stack(const Invocation& inv);
int run_keygen(const Invocation& inv);

/// The exit code table, shown by --help and documented in README.md.
extern const char* const k_exit_codes_help;

/// The codes one subcommand returns ("Exit codes:" and one line each), for its --help; the
/// whole table for a name it does not know.
std::string exit_codes_help(const std::string& command);

/// Text on stderr that can never throw or stop the run: a dropped ssh session or a full
/// terminal log must not cost the evidence already collected.
void console(const std::string& text) noexcept;

/// One line on stderr: "irsnap: <message>".
void print_error(const std::string& message) noexcept;

/// One warning line on stderr when a bundle's artifacts held other record counts than its
/// manifest lists (triage, stack, export; --json outputs carry the list instead, and the bundle
/// counts as not verified either way).
void warn_record_counts(const BundleSummary& summary) noexcept;

}  // namespace irsnap::cli
