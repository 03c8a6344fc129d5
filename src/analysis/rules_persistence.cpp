// SPDX-License-Identifier: Apache-2.0
// Autoruns that look planted: a preload file, programs in temporary places or gone, entries
// written shortly before the collection.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

nlohmann::json autorun_fields(const nlohmann::json& a) {
    return pick(a, {"category", "source_path", "source_line", "command", "target_path",
                    "target_exists", "mtime", "ctime", "enabled"});
}

/// The ATT&CK technique of each kind of autorun, so a finding names the mechanism abused.
std::string technique_of(const std::string& category) {
    static const std::map<std::string, std::string, std::less<>> k_techniques = {
        {"systemd_unit", "T1543.002"},
        {"systemd_generator", "T1543.002"},
        {"systemd_timer", "T1053.006"},
        {"cron", "T1053.003"},
        {"cron_script", "T1053.003"},
        {"anacron", "T1053.003"},
        {"at_job", "T1053.002"},
        {"sysv_init", "T1037.004"},
        {"rc_local", "T1037.004"},
        {"shell_startup", "T1546.004"},
        {"ld_so_preload", "T1574.006"},
        {"kernel_module", "T1547.006"},
        {"modprobe_hook", "T1547.006"},
        {"udev_rule", "T1546.017"},
        {"xdg_autostart", "T1547.013"},
        {"ssh_authorized_key", "T1098.004"},
        {"motd_script", "T1037"},
        {"run_key", "T1547.001"},
        {"service", "T1543.003"},
        {"scheduled_task", "T1053.005"},
        {"startup_folder", "T1547.001"},
        {"winlogon", "T1547.004"},
        {"appinit_dll", "T1546.010"},
        {"ifeo_debugger", "T1546.012"},
        {"silent_process_exit", "T1546.012"},
        {"boot_execute", "T1547.001"}};
    auto it = k_techniques.find(category);
    return it == k_techniques.end() ? std::string("T1547") : it->second;
}

std::string where(const nlohmann::json& a) {
    const int64_t line = number_of(a, "source_line", 0);
    return line > 0 ? fmt::format("{}:{}", text_of(a, "source_path"), line)
                    : text_of(a, "source_path");
}

void preload_file(const Rule& self, const Input& in, std::vector<Finding>& out) {
    for (const Record& r : in.of("autoruns")) {
        if (text_of(r.value, "category") != "ld_so_preload") continue;
        out.push_back(self.finding(fmt::format("{} makes every dynamic program load {}",
                                               where(r.value), text_of(r.value, "command")),
                                   {r.evidence(autorun_fields(r.value))}));
    }
}

void target_missing(const Rule& self, const Input& in, std::vector<Finding>& out) {
    for (const Record& r : in.of("autoruns")) {
        const auto& a = r.value;
        // No target_path: the command could not be resolved (a variable), nothing to miss.
        if (!a.contains("target_exists") || !a["target_exists"].is_boolean() ||
            a["target_exists"].get<bool>() || text_of(a, "target_path").empty()) {
            continue;
        }
        Finding f =
            self.finding(fmt::format("{} {} starts {}, which does not exist",
                                     text_of(a, "category"), where(a), text_of(a, "target_path")),
                         {r.evidence(autorun_fields(a))});
        f.attack = technique_of(text_of(a, "category"));
        // systemd's '-' prefix and disabled entries: a package left it behind, most likely.
        if ((a.contains("enabled") && a["enabled"].is_boolean() && !a["enabled"].get<bool>()) ||
            text_of(a, "command").rfind('-', 0) == 0) {
            f.urgency = Urgency::low;
        }
        out.push_back(std::move(f));
    }
}

void temporary_place(const Rule& self, const Input& in, std::vector<Finding>& out) {
    for (const Record& r : in.of("autoruns")) {
        const auto& a = r.value;
        const std::string target = text_of(a, "target_path");
        const std::string command = text_of(a, "command");
        bool in_temp = is_temporary_place(target);
        for (std::string_view dir : {"/tmp/", "/var/tmp/", "/dev/shm/"}) {
            in_temp = in_temp || command.find(dir) != std::string::npos;
        }
        if (!in_temp) continue;
        Finding f = self.finding(fmt::format("{} {} runs '{}' from a temporary place",
                                             text_of(a, "category"), where(a), command),
                                 {r.evidence(autorun_fields(a))});
        f.attack = technique_of(text_of(a, "category"));
        out.push_back(std::move(f));
    }
}

/// Files changed within this long of each other belong to one burst.
constexpr int64_t k_burst_gap_ns = int64_t{10} * 60 * 1000000000;
/// A burst this large is a package installation or an image restore, not a planted entry.
constexpr size_t k_burst_files = 10;

struct ChangedFile {
    int64_t newest = 0;
    std::string which;  ///< mtime or ctime
    std::string category;
    std::vector<Evidence> evidence;
};

void changed_before_collection(const Rule& self, const Input& in, std::vector<Finding>& out) {
    if (in.recent_days <= 0) return;
    const int64_t window = int64_t{in.recent_days} * 86400 * 1000000000;
    // Unknown (0) or nonsense collection times (a crafted manifest) say nothing about "recent";
    // this also keeps the subtractions below from overflowing.
    if (in.collected_unix_ns <= window) return;
    // One finding per file: a unit with three Exec lines was still written once.
    std::map<std::string, ChangedFile> by_file;
    for (const Record& r : in.of("autoruns")) {
        const auto& a = r.value;
        ChangedFile change;
        for (const char* key : {"mtime", "ctime"}) {
            const int64_t t = parse_utc_ns(text_of(a, key));
            if (t > change.newest) {
                change.newest = t;
                change.which = key;
            }
        }
        if (change.newest == 0 || change.newest < in.collected_unix_ns - window) continue;
        auto [it, fresh] = by_file.try_emplace(text_of(a, "source_path"), std::move(change));
        if (fresh) it->second.category = text_of(a, "category");
        it->second.evidence.push_back(r.evidence(autorun_fields(a)));
    }
    std::vector<std::pair<std::string, ChangedFile*>> files;
    files.reserve(by_file.size());
    for (auto& [source, change] : by_file) files.emplace_back(source, &change);
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.second->newest < b.second->newest; });
    auto days_before = [&](int64_t t) {
        const double days = static_cast<double>(in.collected_unix_ns - t) / 86400e9;
        return days < 0 ? 0.0 : days;
    };
    for (size_t first = 0; first < files.size();) {
        size_t last = first + 1;
        while (last < files.size() &&
               files[last].second->newest - files[last - 1].second->newest <= k_burst_gap_ns) {
            ++last;
        }
        if (last - first >= k_burst_files) {
            Finding f = self.finding(
                fmt::format("{} autorun files changed together {:.1f} days before collection, "
                            "within {} minutes: a package installation or image restore looks "
                            "like this (a planted entry can hide in it: compare with the "
                            "package manager's log)",
                            last - first, days_before(files[last - 1].second->newest),
                            (files[last - 1].second->newest - files[first].second->newest) /
                                    (60 * int64_t{1000000000}) +
                                1),
                {});
            f.urgency = Urgency::low;
            for (size_t i = first; i < last; ++i) {
                f.evidence.push_back(files[i].second->evidence.front());
            }
            out.push_back(std::move(f));
        } else {
            for (size_t i = first; i < last; ++i) {
                ChangedFile& c = *files[i].second;
                // The text first: the evidence is moved into the finding.
                std::string why =
                    fmt::format("{} {} changed {:.1f} days before collection ({} {})", c.category,
                                files[i].first, days_before(c.newest), c.which,
                                c.evidence.front().fields.value(c.which, std::string()));
                Finding f = self.finding(std::move(why), std::move(c.evidence));
                f.attack = technique_of(c.category);
                out.push_back(std::move(f));
            }
        }
        first = last;
    }
}

constexpr Rule k_persistence_rules[] = {
    {"IRS-PER-001", "/etc/ld.so.preload is present", Urgency::high, Confidence::high, "T1574.006",
     "autoruns",
     "Every dynamically linked program loads the libraries listed there before its own code: "
     "the persistence of most user-space rootkits (it hides their files from ls and ps). "
     "Legitimate systems almost never have the file.",
     preload_file},
    {"IRS-PER-002", "Autorun whose program is missing", Urgency::medium, Confidence::low, "T1547",
     "autoruns",
     "An entry that starts a program no longer on disk: an attacker's clean-up that forgot the "
     "persistence, a dropper that re-downloads its payload, or a package's leftover (disabled "
     "entries and systemd '-' commands are reported low).",
     target_missing},
    {"IRS-PER-003", "Autorun runs from a temporary place", Urgency::high, Confidence::high, "T1547",
     "autoruns",
     "Installed software never starts from /tmp, /var/tmp or /dev/shm (or %TEMP%, AppData, "
     "Downloads): persistence pointing there was written by hand, usually by an intruder.",
     temporary_place},
    {"IRS-PER-004", "Autorun changed shortly before collection", Urgency::medium, Confidence::low,
     "T1547", "autoruns",
     "Persistence written in the days before the incident response (--recent-days, default 7) "
     "is the first place to look; package updates change files too, so check the package "
     "manager's log for the same time.",
     changed_before_collection},
};

}  // namespace

std::span<const Rule> persistence_rules() {
    return k_persistence_rules;
}

}  // namespace irsnap::triage
