// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace irsnap::cli {

namespace po = boost::program_options;

/// Parses `args` into `vm`; on any Boost error throws irsnap::UsageError with one line naming
/// the problem and the command's --help.
void parse_args(const std::string& command, const std::vector<std::string>& args,
                const po::options_description& all,
                const po::positional_options_description* positional, po::variables_map& vm);

/// "a,b , c" -> {"a","b","c"}
std::vector<std::string> split_list(const std::vector<std::string>& values);

}  // namespace irsnap::cli
