// SPDX-License-Identifier: Apache-2.0
#include "parse.hpp"

#include <charconv>

#include <fmt/format.h>

#include "irsnap/age.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/runner.hpp"
#include "irsnap/sealed_input.hpp"
#include "irsnap/text.hpp"
#include "irsnap/usage_error.hpp"

namespace irsnap::cli {

void parse_args(const std::string& command, const std::vector<std::string>& args,
                const po::options_description& all,
                const po::positional_options_description* positional, po::variables_map& vm) {
    try {
        // The positionals are named here, not by Boost: without a positional description Boost
        // drops them silently (`irsnap collect /media/usb/out` collected elsewhere), and its
        // "too many positional options" does not say which argument was too many.
        po::command_line_parser parser(args);
        parser.options(all);
        po::parsed_options parsed = parser.run();
        const po::positional_options_description none;
        const po::positional_options_description& names = positional ? *positional : none;
        unsigned position = 0;
        for (po::option& opt : parsed.options) {
            if (opt.position_key == -1) continue;
            if (position >= names.max_total_count()) {
                const std::string& token =
                    opt.original_tokens.empty() ? opt.value.front() : opt.original_tokens.front();
                throw UsageError(fmt::format("unexpected argument '{}' (see 'irsnap {} --help')",
                                             token, command));
            }
            opt.string_key = names.name_for_position(position++);
        }
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(fmt::format("{} (see 'irsnap {} --help')", e.what(), command));
    }
}

int64_t parse_number(const std::string& option, const std::string& text, int64_t min, int64_t max) {
    int64_t value = 0;
    const char* const end = text.data() + text.size();
    // from_chars takes no '+', no spaces and no base prefix: only what a person means by a
    // number. A leading '-' is read as a sign, so "-1" is refused as -1, never wrapped.
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc{} || stop != end || value < min || value > max) {
        throw po::error(fmt::format("--{} takes a whole number from {} to {}, not '{}'", option,
                                    min, max, text));
    }
    return value;
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

void add_identity_option(po::options_description& desc, std::vector<std::string>* files) {
    desc.add_options()("identity,i", po::value(files)->composing(),
                       "age identity file (AGE-SECRET-KEY-1..., from `irsnap keygen` or "
                       "age-keygen) that opens sealed bundles (.tar.age); repeatable");
}

void load_identities(const std::vector<std::string>& files) {
    std::vector<age::Identity> all;
    for (const auto& name : files) {
        // Regular files only, bounded: an identity file is a few lines.
        std::string error;
        const std::string text = read_input_text(path_from_utf8(name), 64u << 10, error);
        if (!error.empty()) throw UsageError(fmt::format("--identity {}: {}", name, error));
        auto ids = age::parse_identity_file(text, error);
        if (!error.empty()) throw UsageError(fmt::format("--identity {}: {}", name, error));
        all.insert(all.end(), ids.begin(), ids.end());
    }
    if (!all.empty()) set_unseal_identities(std::move(all));
}

}  // namespace irsnap::cli
