// SPDX-License-Identifier: Apache-2.0
// `irsnap stack BUNDLE...`: least-frequency-of-occurrence across hosts. Verifies and reads the
// bundles one at a time, then prints per category the items on the fewest hosts first.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/stack.hpp"
#include "parse.hpp"
#include "safe_print.hpp"

namespace irsnap::cli {
namespace {

using nlohmann::json;
namespace st = irsnap::stack;

std::string dash(std::string_view s) {
    return s.empty() ? std::string("-") : std::string(s);
}

/// One line per item, readable and still greppable: the fields in the category's own shape.
std::string describe(st::Category c, const std::vector<std::string>& f) {
    switch (c) {
        case st::Category::remote: {
            const bool v6 = f[1].find(':') != std::string::npos;
            const std::string address = v6 ? "[" + f[1] + "]" : f[1];
            return f[3] == "in" ? fmt::format("{} {} in, to this host's :{}", f[0], address, f[2])
                                : fmt::format("{} {}:{} out", f[0], address, f[2]);
        }
        case st::Category::remote_port:
            return fmt::format("{}/{}", f[0], f[1]);
        case st::Category::listen:
            return fmt::format("{}/{} {}", f[0], f[1], f[2]);
        case st::Category::kmod:
            return fmt::format("{}  {}", f[0], f[1].empty() ? "(no hash)" : f[1]);
        default: {
            std::string out;
            for (const auto& field : f) out += (out.empty() ? "" : "  ") + dash(field);
            return out;
        }
    }
}

std::string host_list(const st::Item& item) {
    std::string out;
    for (const auto& h : item.hosts) out += (out.empty() ? "" : ", ") + h;
    if (item.host_count > item.hosts.size()) {
        out +=
            fmt::format("{}+{} more", out.empty() ? "" : " ", item.host_count - item.hosts.size());
    }
    return out;
}

void print_text(const st::StackRun& run, size_t verified) {
    const size_t total = run.bundles.size();
    print_safe("irsnap stack: {} bundle{} from {} host{}, {} verified", total,
               total == 1 ? "" : "s", run.hosts, run.hosts == 1 ? "" : "s", verified);
    std::string bad;
    for (const auto& b : run.bundles) {
        if (!b.summary.verified) bad += (bad.empty() ? "" : ", ") + b.summary.name;
    }
    print_safe("{}\n", bad.empty() ? "" : "; NOT VERIFIED: " + bad);
    print_safe("Rarest first: the number is how many hosts have the item.\n");
    for (const auto& c : run.categories) {
        const auto& info = st::info(c.category);
        print_safe(
            "\n== {}: {} ({} item{}{})\n", info.name, info.title, c.items_total,
            c.items_total == 1 ? "" : "s",
            c.items.size() < c.items_total ? fmt::format(", rarest {}", c.items.size()) : "");
        for (const auto& item : c.items) {
            print_safe("{:>6}  {}  [{}]\n", item.host_count, describe(c.category, item.fields),
                       host_list(item));
        }
    }
    print_safe("\nBundles:\n");
    for (const auto& b : run.bundles) {
        const auto& s = b.summary;
        const std::string state =
            !s.error.empty() ? "UNREADABLE: " + s.error
                             : (s.verified ? "verified" : "NOT VERIFIED: " + s.verify_note);
        print_safe(
            "  {}  host {}  {}{}\n", s.name, dash(s.host), state,
            b.lines_skipped ? fmt::format(" ({} lines not JSON, skipped)", b.lines_skipped) : "");
    }
    if (run.regrouped) {
        fmt::print("(a host's bundles were not next to each other: read twice, grouped by host)\n");
    }
}

json to_json(const st::StackRun& run, const st::Options& options, size_t top, size_t verified) {
    json bundles = json::array();
    for (const auto& b : run.bundles) {
        const auto& s = b.summary;
        bundles.push_back({{"name", s.name},
                           {"source", s.source},
                           {"host", s.host},
                           {"collected", s.collected},
                           {"run_status", s.status},
                           {"verified", s.verified},
                           {"verify_note", s.verify_note},
                           {"error", s.error},
                           {"record_count_mismatches", record_mismatches_json(s)},
                           {"lines_skipped", b.lines_skipped}});
    }
    json categories = json::array();
    for (const auto& c : run.categories) {
        const auto& info = st::info(c.category);
        json items = json::array();
        for (const auto& item : c.items) {
            json one = {{"host_count", item.host_count}, {"hosts", item.hosts}};
            for (size_t i = 0; i < info.fields.size(); ++i) {
                const std::string key(info.fields[i]);
                // Ports are numbers in the artifacts: keep them numbers here.
                one[key] = key == "port" ? json(std::stoll(item.fields[i])) : json(item.fields[i]);
            }
            items.push_back(std::move(one));
        }
        categories.push_back({{"name", info.name},
                              {"title", info.title},
                              {"collector", info.collector},
                              {"items_total", c.items_total},
                              {"items", std::move(items)}});
    }
    return {{"bundles", std::move(bundles)},        {"bundle_count", run.bundles.size()},
            {"verified_count", verified},           {"host_count", run.hosts},
            {"hosts_listed", options.hosts_listed}, {"top", top},
            {"regrouped", run.regrouped},           {"categories", std::move(categories)}};
}

}  // namespace

int run_stack(const Invocation& inv) {
    return guarded([&] {
        std::vector<std::string> arguments;
        std::vector<std::string> only;
        int64_t top = 20;
        int64_t hosts_listed = 10;
        std::string names;
        for (const auto& c : st::categories())
            names += (names.empty() ? "" : ", ") + std::string(c.name);
        po::options_description desc(
            "irsnap stack BUNDLE...: what few hosts have, across many bundles\n\n"
            "Usage: irsnap stack BUNDLE_DIR|BUNDLE.tar|DIR... [--json] [--top N] "
            "[--hosts-listed K] [--only CATEGORY,...]\n"
            "A DIR that is not a bundle stands for the bundle directories and *.tar files "
            "directly inside it (a fleet output directory).\n"
            "Every bundle is verified first; results are still shown when one does not verify "
            "(exit 5).\n"
            "Categories: " +
            names + "\n\nOptions");
        desc.add_options()("help,h", "show this help")("json", "print the result as JSON")(
            "top", number_value(&top, "top", 0, INT64_MAX),
            "items per category, rarest first (default 20, 0 = all)")(
            "hosts-listed", number_value(&hosts_listed, "hosts-listed", 0, 100000),
            "host names shown per item (default 10); the count is always exact")(
            "only", po::value<std::vector<std::string>>(&only)->composing(),
            "only these categories (comma-separated, repeatable)");
        std::vector<std::string> identities;
        add_identity_option(desc, &identities);
        po::options_description all;
        all.add(desc).add_options()("bundle", po::value(&arguments)->composing());
        po::positional_options_description pos;
        pos.add("bundle", -1);
        po::variables_map vm;
        parse_args("stack", inv.args, all, &pos, vm);
        if (vm.count("help")) {
            std::cout << desc << "\n" << exit_codes_help("stack");
            return to_int(ExitCode::ok);
        }
        load_identities(identities);
        if (arguments.empty()) throw UsageError("stack needs bundle directories or tar files");
        st::Options options;
        options.hosts_listed = static_cast<size_t>(hosts_listed);
        for (const auto& name : split_list(only)) {
            const auto c = st::category_named(name);
            if (!c) throw UsageError("unknown category '" + name + "' (categories: " + names + ")");
            options.only.insert(*c);
        }
        const auto bundles = st::expand_bundle_arguments(arguments);
        const st::StackRun run = st::stack_bundles(bundles, options, static_cast<size_t>(top));

        size_t verified = 0;
        for (const auto& b : run.bundles) verified += b.summary.verified ? 1 : 0;
        if (vm.count("json")) {
            std::cout << dump_for_terminal(to_json(run, options, top, verified), 2) << "\n";
        } else {
            for (const auto& b : run.bundles) warn_record_counts(b.summary);
            print_text(run, verified);
        }
        std::cout.flush();
        if (!std::cout) return to_int(ExitCode::output_unusable);
        return verified == run.bundles.size() ? to_int(ExitCode::ok)
                                              : to_int(ExitCode::verify_failed);
    });
}

}  // namespace irsnap::cli
