// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "commands.hpp"
#include "irsnap/exit_codes.hpp"
#include "irsnap/runner.hpp"

namespace irsnap::cli {

namespace po = boost::program_options;

/// Parses `args` into `vm`; on any Boost error throws irsnap::UsageError with one line naming
/// the problem and the command's --help.
void parse_args(const std::string& command, const std::vector<std::string>& args,
                const po::options_description& all,
                const po::positional_options_description* positional, po::variables_map& vm);

/// -i/--identity FILE, repeatable: the age identity files (AGE-SECRET-KEY-1...) that open
/// sealed bundles, for every analyst command that reads bundles.
void add_identity_option(po::options_description& desc, std::vector<std::string>* files);
/// Reads the identity files named and hands the keys to sealed_input.hpp. A file that is not
/// an identity file is a usage error naming it and its line.
void load_identities(const std::vector<std::string>& files);

/// Reads a numeric option's text as a signed 64-bit number in [min, max]; anything else (a sign
/// where none fits, trailing text, out of range) throws po::error naming `--option`, which
/// parse_args turns into a usage error.
int64_t parse_number(const std::string& option, const std::string& text, int64_t min, int64_t max);

/// The value semantic for every numeric option: Boost reads text, parse_number converts and
/// range-checks it. Boost's own conversion into an unsigned reads "-1" as 4294967295, so
/// `--timeout-per-collector -1` meant 136 years and `--max-hash-bytes -5` no limit at all.
/// The default is given as text (`->default_value("300")`) and checked the same way.
template <typename T>
po::typed_value<std::string>* number_value(T* target, const std::string& option, int64_t min,
                                           int64_t max) {
    return po::value<std::string>()->notifier([=](const std::string& text) {
        *target = static_cast<T>(parse_number(option, text, min, max));
    });
}

/// number_value for an option that may repeat.
template <typename T>
po::typed_value<std::vector<std::string>>* number_list_value(std::vector<T>* target,
                                                             const std::string& option, int64_t min,
                                                             int64_t max) {
    return po::value<std::vector<std::string>>()->composing()->notifier(
        [=](const std::vector<std::string>& texts) {
            target->clear();
            for (const auto& text : texts) {
                target->push_back(static_cast<T>(parse_number(option, text, min, max)));
            }
        });
}

/// Runs a command's body: a UsageError becomes one line on stderr and exit code 2.
template <typename Fn>
int guarded(Fn&& fn) {
    try {
        return fn();
    } catch (const UsageError& e) {
        print_error(e.what());
        return to_int(ExitCode::usage);
    }
}

/// "a,b , c" -> {"a","b","c"}
std::vector<std::string> split_list(const std::vector<std::string>& values);

}  // namespace irsnap::cli
