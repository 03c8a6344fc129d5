// SPDX-License-Identifier: Apache-2.0
// Loading a bundle's records for the rules. Apart from triage.cpp so the rules and their runner
// link without the bundle reader (the fuzz target feeds them records directly).
#include <set>

#include "irsnap/triage.hpp"

namespace irsnap::triage {

Input load_input(const std::filesystem::path& bundle, BundleSummary& summary, size_t& bad_lines) {
    Input in;
    const auto names = needed_collectors();
    const std::set<std::string> wanted(names.begin(), names.end());
    bad_lines = 0;
    summary = read_bundle(bundle, wanted, [&](const BundleLine& line) {
        nlohmann::json value = nlohmann::json::parse(line.text, nullptr, false);
        if (!value.is_object()) {
            ++bad_lines;
            return;
        }
        auto it = in.records.find(line.collector);
        if (it == in.records.end()) {
            it = in.records.emplace(std::string(line.collector), std::vector<Record>{}).first;
        }
        it->second.push_back(Record{std::string(line.artifact), line.line, std::move(value)});
    });
    in.collected_unix_ns = summary.collected_unix_ns;
    return in;
}

}  // namespace irsnap::triage
