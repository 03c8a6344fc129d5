// SPDX-License-Identifier: Apache-2.0
// Autoruns that look planted: a preload file, programs in temporary places or gone, entries
// written shortly before the collection. Their lines of shell are rules_scripts.cpp's.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {

nlohmann::json autorun_fields(const nlohmann::json& a) {
    // target_sha256: a finding names the specimen of the program it starts (the same content).
    return pick(a, {"category", "source_path", "source_line", "command", "target_path",
                    "target_sha256", "target_exists", "mtime", "ctime", "enabled"});
}

/// The ATT&CK technique of each kind of autorun, so a finding names the mechanism abused.
std::string autorun_technique(const std::string& category) {
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

std::string autorun_where(const nlohmann::json& a) {
    const int64_t line = number_of(a, "source_line", 0);
    return line > 0 ? fmt::format("{}:{}", text_of(a, "source_path"), line)
                    : text_of(a, "source_path");
}

namespace {

void preload_file(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    if (text_of(r.value, "category") != "ld_so_preload") return;
    out.add(self.finding(fmt::format("{} makes every dynamic program load {}",
                                     autorun_where(r.value), text_of(r.value, "command")),
                         {r.evidence(autorun_fields(r.value))}));
}

void target_missing(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& a = r.value;
    // No target_path: the command could not be resolved (a variable), nothing to miss.
    if (!a.contains("target_exists") || !a["target_exists"].is_boolean() ||
        a["target_exists"].get<bool>() || text_of(a, "target_path").empty()) {
        return;
    }
    Finding f =
        self.finding(fmt::format("{} {} starts {}, which does not exist", text_of(a, "category"),
                                 autorun_where(a), text_of(a, "target_path")),
                     {r.evidence(autorun_fields(a))});
    f.attack = autorun_technique(text_of(a, "category"));
    // systemd's '-' prefix and disabled entries: a package left it behind, most likely.
    if ((a.contains("enabled") && a["enabled"].is_boolean() && !a["enabled"].get<bool>()) ||
        text_of(a, "command").rfind('-', 0) == 0) {
        f.urgency = Urgency::low;
    }
    out.add(std::move(f));
}

void temporary_place(const Rule& self, std::string_view, const Record& r, FindingSink& out) {
    const auto& a = r.value;
    const std::string target = text_of(a, "target_path");
    const std::string command = text_of(a, "command");
    bool in_temp = is_temporary_place(target);
    for (std::string_view dir : {"/tmp/", "/var/tmp/", "/dev/shm/"}) {
        in_temp = in_temp || command.find(dir) != std::string::npos;
    }
    if (!in_temp) return;
    Finding f = self.finding(fmt::format("{} {} runs '{}' from a temporary place",
                                         text_of(a, "category"), autorun_where(a), command),
                             {r.evidence(autorun_fields(a))});
    f.attack = autorun_technique(text_of(a, "category"));
    out.add(std::move(f));
}

/// Files changed within this long of each other belong to one burst.
constexpr int64_t k_burst_gap_ns = int64_t{10} * 60 * 1000000000;
/// A burst this large is a package installation or an image restore, not a planted entry.
constexpr size_t k_burst_files = 10;

/// One autorun record with a file time, waiting for the end (when the collection time is known).
struct Change {
    int64_t newest = 0;
    std::string which;  ///< mtime or ctime
    std::string category;
    Evidence evidence;
};

struct ChangedFile {
    int64_t newest = 0;
    std::string which;
    std::string category;
    std::vector<Evidence> evidence;
};

/// Autorun files changed shortly before collection, alone or in a burst. The window ends at the
/// collection time, read from the manifest after the records, so each source file keeps its
/// first records' times and evidence (at most k_max_evidence_per_finding) and only the times of
/// the rest.
class ChangedBeforeCollection final : public RulePass {
  public:
    explicit ChangedBeforeCollection(const Rule& self) : m_self(self) {}

    void see(std::string_view, const Record& r, FindingSink&) override {
        const auto& a = r.value;
        Change change;
        for (const char* key : {"mtime", "ctime"}) {
            const int64_t t = parse_utc_ns(text_of(a, key));
            if (t > change.newest) {
                change.newest = t;
                change.which = key;
            }
        }
        if (change.newest == 0) return;
        Seen& seen = m_files[text_of(a, "source_path")];
        if (seen.changes.size() < k_max_evidence_per_finding) {
            change.category = text_of(a, "category");
            change.evidence = r.evidence(autorun_fields(a));
            seen.changes.push_back(std::move(change));
        } else {
            seen.more.push_back(change.newest);
        }
    }

    void finish(const Context& ctx, FindingSink& out) override;

  private:
    struct Seen {
        std::vector<Change> changes;
        std::vector<int64_t> more;  ///< times of records past the evidence cap
    };
    const Rule& m_self;
    std::map<std::string, Seen> m_files;
};

void ChangedBeforeCollection::finish(const Context& in, FindingSink& out) {
    if (in.recent_days <= 0) return;
    const int64_t window = int64_t{in.recent_days} * 86400 * 1000000000;
    if (in.collected_unix_ns <= window) return;
    const int64_t since = in.collected_unix_ns - window;
    std::map<std::string, ChangedFile> by_file;
    std::map<std::string, size_t> unlisted;  ///< recent records past the evidence cap, per file
    for (auto& [source, seen] : m_files) {
        for (Change& c : seen.changes) {
            if (c.newest < since) continue;
            auto [it, fresh] = by_file.try_emplace(source);
            if (fresh) {
                it->second.newest = c.newest;
                it->second.which = c.which;
                it->second.category = c.category;
            }
            it->second.evidence.push_back(std::move(c.evidence));
        }
        const size_t more = static_cast<size_t>(std::count_if(
            seen.more.begin(), seen.more.end(), [&](int64_t t) { return t >= since; }));
        if (more > 0 && by_file.count(source)) unlisted[source] = more;
    }
    m_files.clear();
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
            Finding f = m_self.finding(
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
            for (size_t i = first; i < last && f.evidence.size() < k_max_evidence_per_finding;
                 ++i) {
                f.evidence.push_back(files[i].second->evidence.front());
            }
            if (last - first > f.evidence.size()) {
                f.why +=
                    fmt::format(" ({} more files not listed)", last - first - f.evidence.size());
            }
            out.add(std::move(f));
        } else {
            for (size_t i = first; i < last; ++i) {
                ChangedFile& c = *files[i].second;
                std::string why =
                    fmt::format("{} {} changed {:.1f} days before collection ({} {})", c.category,
                                files[i].first, days_before(c.newest), c.which,
                                c.evidence.front().fields.value(c.which, std::string()));
                if (auto more = unlisted.find(files[i].first); more != unlisted.end()) {
                    why += fmt::format(" ({} more records of it not listed)", more->second);
                }
                Finding f = m_self.finding(std::move(why), std::move(c.evidence));
                f.attack = autorun_technique(c.category);
                out.add(std::move(f));
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
     per_record<preload_file>},
    {"IRS-PER-002", "Autorun whose program is missing", Urgency::medium, Confidence::low, "T1547",
     "autoruns",
     "An entry that starts a program no longer on disk: an attacker's clean-up that forgot the "
     "persistence, a dropper that re-downloads its payload, or a package's leftover (disabled "
     "entries and systemd '-' commands are reported low).",
     per_record<target_missing>},
    {"IRS-PER-003", "Autorun runs from a temporary place", Urgency::high, Confidence::high, "T1547",
     "autoruns",
     "Installed software never starts from /tmp, /var/tmp or /dev/shm (or %TEMP%, AppData, "
     "Downloads): persistence pointing there was written by hand, usually by an intruder.",
     per_record<temporary_place>},
    {"IRS-PER-004", "Autorun changed shortly before collection", Urgency::medium, Confidence::low,
     "T1547", "autoruns",
     "Persistence written in the days before the incident response (--recent-days, default 7) "
     "is the first place to look; package updates change files too, so check the package "
     "manager's log for the same time.",
     pass_of<ChangedBeforeCollection>},
};

}  // namespace

std::span<const Rule> persistence_rules() {
    return k_persistence_rules;
}

}  // namespace irsnap::triage
