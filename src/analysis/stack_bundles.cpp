// SPDX-License-Identifier: Apache-2.0
// Which bundles a stack run reads, and reading them one at a time into a Stacker.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <numeric>
#include <stdexcept>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/runner.hpp"
#include "irsnap/stack.hpp"

namespace irsnap::stack {
namespace {

namespace fs = std::filesystem;

/// The bundles directly inside a directory that is not one itself (a fleet output directory:
/// NAME.tar with NAME.log beside it; or an `irsnap collect -o DIR` destination). Listed and
/// judged through the directory's descriptor: a symlink among them is not followed (it could
/// lead anywhere), and a `.tar` that is a FIFO is not taken.
std::vector<fs::path> bundles_inside(const fs::path& dir, int dir_fd, std::string& problem) {
    std::vector<fs::path> out;
    std::string error;
    for (const auto& entry : list_directory(dir_fd, error)) {
        if (entry.type == EntryType::directory) {
            std::string why;
            UniqueFd sub = open_bundle_dir(dir_fd, entry.name, why);
            if (sub && is_bundle_directory(sub.get())) out.push_back(dir / entry.name);
        } else if (entry.type == EntryType::regular && !tar_bundle_suffix(entry.name).empty()) {
            out.push_back(dir / entry.name);
        }
    }
    if (!error.empty()) problem = dir.string() + ": " + error;
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

std::vector<fs::path> expand_bundle_arguments(const std::vector<std::string>& arguments) {
    std::vector<fs::path> out;
    std::vector<std::string> problems;
    for (const auto& argument : arguments) {
        const fs::path path(argument);
        const BundleProbe probe = probe_bundle(path);
        if (probe.kind != BundleKind::not_a_bundle) {
            out.push_back(path);
            continue;
        }
        std::string error;
        UniqueFd dir;
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            dir = open_directory(path, error);
        if (!dir) {
            // Not a bundle and not a directory that could hold some (a text file, /dev/null).
            problems.push_back(argument + ": " + probe.error);
            continue;
        }
        std::string problem;
        auto inside = bundles_inside(path, dir.get(), problem);
        if (!problem.empty()) problems.push_back(problem);
        if (inside.empty() && problem.empty()) {
            problems.push_back(argument +
                               ": not a bundle, and holds no bundle directory or .tar file");
        }
        out.insert(out.end(), inside.begin(), inside.end());
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
