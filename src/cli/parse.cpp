// SPDX-License-Identifier: Apache-2.0
#include "parse.hpp"

#include <fmt/format.h>

#include "irsnap/runner.hpp"

namespace irsnap::cli {

void parse_args(const std::string& command, const std::vector<std::string>& args,
                const po::options_description& all,
                const po::positional_options_description* positional, po::variables_map& vm) {
    try {
        po::command_line_parser parser(args);
        parser.options(all);
        if (positional) parser.positional(*positional);
        po::store(parser.run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(fmt::format("{} (see 'irsnap {} --help')", e.what(), command));
    }
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& value : values) {
        size_t start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            std::string item = value.substr(start, comma - start);
            item.erase(0, item.find_first_not_of(" \t"));
            item.erase(item.find_last_not_of(" \t") + 1);
            if (!item.empty()) out.push_back(item);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return out;
}

}  // namespace irsnap::cli
