// SPDX-License-Identifier: Apache-2.0
// Which bundles a stack run reads, and reading them one at a time into a Stacker.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <numeric>
#include <stdexcept>

#include "irsnap/runner.hpp"
#include "irsnap/stack.hpp"

namespace irsnap::stack {
namespace {

namespace fs = std::filesystem;

bool is_bundle_directory(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "manifest.json", ec) ||
           fs::is_directory(dir / "artifacts", ec);
}

bool is_tar_name(const fs::path& path) {
    return path.extension() == ".tar";
}

/// The bundles directly inside a directory that is not one itself (a fleet output directory:
/// NAME.tar with NAME.log beside it; or an `irsnap collect -o DIR` destination).
std::vector<fs::path> bundles_inside(const fs::path& dir, std::string& problem) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code type_ec;
        if (entry.is_directory(type_ec)
                ? is_bundle_directory(entry.path())
                : entry.is_regular_file(type_ec) && is_tar_name(entry.path())) {
            out.push_back(entry.path());
        }
    }
    if (ec) problem = dir.string() + ": " + ec.message();
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

std::vector<fs::path> expand_bundle_arguments(const std::vector<std::string>& arguments) {
    std::vector<fs::path> out;
    std::vector<std::string> problems;
    for (const auto& argument : arguments) {
        const fs::path path(argument);
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (ec || !fs::exists(status)) {
            problems.push_back(argument + ": " + (ec ? ec.message() : "no such file"));
        } else if (::access(path.c_str(), R_OK) != 0) {
            problems.push_back(argument + ": " + std::strerror(errno));
        } else if (fs::is_directory(status) && !is_bundle_directory(path)) {
            std::string problem;
            auto inside = bundles_inside(path, problem);
            if (!problem.empty()) problems.push_back(problem);
            if (inside.empty() && problem.empty()) {
                problems.push_back(argument +
                                   ": not a bundle, and holds no bundle directory or .tar file");
            }
            out.insert(out.end(), inside.begin(), inside.end());
        } else {
            out.push_back(path);
        }
    }
    if (!problems.empty()) {
        std::string text = "cannot read " + problems.front();
        if (problems.size() > 1) text += " (and " + std::to_string(problems.size() - 1) + " more)";
        throw UsageError(text);
    }
    return out;
}

namespace {

/// One pass over `order`: true when every host's bundles were adjacent (counts are exact).
bool stack_once(const std::vector<fs::path>& bundles, const std::vector<size_t>& order,
                const Options& options, size_t top, StackRun& run) {
    Stacker stacker(options);
    const std::set<std::string> wanted = options.collectors();
    run.bundles.clear();
    for (size_t i : order) {
        BundleOutcome outcome;
        stacker.begin_bundle();
        outcome.summary = read_bundle(bundles[i], wanted, [&](const BundleLine& line) {
            if (!stacker.add_line(line.collector, line.text)) ++outcome.lines_skipped;
        });
        if (outcome.summary.error.empty()) {
            stacker.end_bundle(outcome.summary.host);
        } else {
            stacker.discard_bundle();
        }
        run.bundles.push_back(std::move(outcome));
    }
    run.hosts = stacker.host_count();
    if (stacker.regroup_needed()) return false;  // the results would not be exact: not built
    run.categories = stacker.result(top);
    return true;
}

}  // namespace

StackRun stack_bundles(const std::vector<fs::path>& bundles, const Options& options, size_t top) {
    StackRun run;
    std::vector<size_t> order(bundles.size());
    std::iota(order.begin(), order.end(), size_t{0});
    if (stack_once(bundles, order, options, top, run)) return run;
    // A host's bundles were apart. The first pass learnt every bundle's host; a second one with
    // each host's bundles together keeps the counts exact without remembering hosts per item.
    std::map<std::string, size_t> first_seen;
    std::vector<std::string> host_of(bundles.size());
    for (size_t k = 0; k < order.size(); ++k) {
        host_of[order[k]] = run.bundles[k].summary.host;
        first_seen.emplace(host_of[order[k]], k);
    }
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return first_seen[host_of[a]] < first_seen[host_of[b]];
    });
    run.regrouped = true;
    if (!stack_once(bundles, order, options, top, run)) {
        // Only when a bundle changed between the two passes: there is no exact answer to give.
        throw std::runtime_error(
            "bundles changed while they were read (a host moved between "
            "bundles); read them again");
    }
    return run;
}

}  // namespace irsnap::stack
