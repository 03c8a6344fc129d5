// SPDX-License-Identifier: Apache-2.0
#pragma once

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
