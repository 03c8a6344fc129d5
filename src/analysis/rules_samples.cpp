// SPDX-License-Identifier: Apache-2.0
// Specimens in triage: the rule that names a suspicious file the bundle holds no copy of, and the
// join that gives every finding the specimens of the processes and files its evidence names.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "rules.hpp"

namespace irsnap::triage {
namespace {

/// Longest text of a specimen the index keeps per field (a SHA-256 is 64; a crafted record's
/// longer values are cut, never held whole).
constexpr size_t k_specimen_short_text = 128;
constexpr size_t k_specimen_note_text = 512;

std::string short_text_of(const nlohmann::json& record, const char* key, size_t max_bytes) {
    return cut_text(text_of(record, key), max_bytes);
}

std::vector<std::string> evidence_texts(const nlohmann::json& fields,
                                        std::initializer_list<const char*> keys) {
    std::vector<std::string> out;
    for (const char* key : keys) {
        std::string text = text_of(fields, key);
        if (!text.empty()) out.push_back(std::move(text));
    }
    return out;
}

}  // namespace

std::vector<int64_t> evidence_pids(const nlohmann::json& fields) {
    std::vector<int64_t> pids;
    const int64_t pid = number_of(fields, "pid");
    if (pid > 0) pids.push_back(pid);
    auto owners = fields.is_object() ? fields.find("owners") : fields.end();
    if (owners != fields.end() && owners->is_array()) {
        for (const auto& o : *owners) {
            const int64_t owner = number_of(o, "pid");
            if (owner > 0 && std::find(pids.begin(), pids.end(), owner) == pids.end()) {
                pids.push_back(owner);
            }
        }
    }
    return pids;
}

void SpecimenIndex::add(const Record& r) {
    if (m_specimens.size() >= k_max_specimens_indexed || m_bytes >= k_max_specimen_index_bytes) {
        ++m_not_indexed;
        return;
    }
    const nlohmann::json& v = r.value;
    const auto id = static_cast<uint32_t>(m_specimens.size());
    SpecimenRef s;
    s.sha256 = short_text_of(v, "sha256", k_specimen_short_text);
    s.path = short_text_of(v, "path", k_max_evidence_value_bytes);
    s.status = short_text_of(v, "status", k_specimen_short_text);
    s.status_note = short_text_of(v, "status_note", k_specimen_note_text);
    s.archive = short_text_of(v, "archive", k_specimen_short_text);
    s.member = short_text_of(v, "member", k_specimen_short_text);
    s.artifact = r.artifact;
    s.line = r.line;
    m_bytes += 128 + s.sha256.size() + s.path.size() + s.status.size() + s.status_note.size() +
               s.archive.size() + s.member.size() + s.artifact.size();
    if (!s.sha256.empty()) m_by_sha[s.sha256].push_back(id);
    m_by_place.emplace(std::pair{s.artifact, s.line}, id);

    std::set<std::string, std::less<>> paths;
    if (!s.path.empty()) paths.insert(s.path);
    auto sources = v.find("sources");
    if (sources != v.end() && sources->is_array()) {
        for (const auto& src : *sources) {
            const int64_t pid = number_of(src, "pid");
            if (pid > 0) {
                OfProcess& of_pid = m_by_pid[pid];
                auto& list = text_of(src, "kind") == "exe" ? of_pid.exe : of_pid.held;
                // A process maps one file through several ranges: one entry per specimen. This
                // record's entries are the last ones of the list, so one look is enough.
                if (list.empty() || list.back() != id) {
                    list.push_back(id);
                    m_bytes += 48;
                }
            }
            std::string path = short_text_of(src, "path", k_max_evidence_value_bytes);
            if (!path.empty()) paths.insert(std::move(path));
        }
    }
    for (const auto& path : paths) {
        m_by_path[path].push_back(id);
        m_bytes += 64 + path.size();
    }
    m_specimens.push_back(std::move(s));
}

void SpecimenIndex::attach(std::vector<Finding>& findings) const {
    if (m_specimens.empty()) return;
    for (Finding& f : findings) {
        std::vector<uint32_t> seen;
        auto full = [&] { return f.specimens.size() >= k_max_specimens_per_finding; };
        // Every list is walked only until the finding is full: each id is taken or already
        // seen (at most k_max_specimens_per_finding of those), so a crafted bundle with
        // thousands of specimens of one pid costs no more per finding than a real one.
        auto take_all = [&](const std::vector<uint32_t>& ids, std::string_view match) {
            for (uint32_t id : ids) {
                if (full()) return;
                if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
                seen.push_back(id);
                SpecimenRef ref = m_specimens[id];
                ref.match = match;
                f.specimens.push_back(std::move(ref));
            }
        };
        auto by_pid = [&](bool exe) {
            for (const Evidence& e : f.evidence) {
                for (int64_t pid : evidence_pids(e.fields)) {
                    auto it = m_by_pid.find(pid);
                    if (it == m_by_pid.end()) continue;
                    take_all(exe ? it->second.exe : it->second.held, exe ? "exe" : "held");
                }
            }
        };
        // Strongest first: the evidence is the specimen's own record, then the same content,
        // then the executable of a process the evidence names, then the same path, then what
        // such a process maps or holds open.
        for (const Evidence& e : f.evidence) {
            auto it = m_by_place.find(std::pair{e.artifact, e.line});
            if (it != m_by_place.end()) take_all({it->second}, "record");
        }
        for (const Evidence& e : f.evidence) {
            for (const auto& sha :
                 evidence_texts(e.fields, {"exe_sha256", "sha256", "target_sha256"})) {
                auto it = m_by_sha.find(sha);
                if (it == m_by_sha.end()) continue;
                take_all(it->second, "sha256");
            }
        }
        by_pid(true);
        for (const Evidence& e : f.evidence) {
            for (const auto& path :
                 evidence_texts(e.fields, {"exe_path", "path", "target_path", "file_path"})) {
                auto it = m_by_path.find(path);
                if (it == m_by_path.end()) continue;
                take_all(it->second, "path");
            }
        }
        by_pid(false);
    }
}

std::string specimen_text(const SpecimenRef& s) {
    const std::string what = !s.sha256.empty() ? s.sha256
                             : !s.path.empty() ? "(not hashed) " + s.path
                                               : "(not hashed, no path)";
    std::string status = s.status.empty() ? "status unknown" : s.status;
    if (!s.status_note.empty()) status += ": " + s.status_note;
    const std::string where = !s.archive.empty() ? "in " + s.archive : "not copied";
    // Same content, or the program of the process: the SHA-256 says it all. A file found by
    // path or held by the process is named, so it is not mistaken for the program.
    if (s.match == "path") status += "; same path";
    if (s.match == "held") {
        status += s.path.empty() ? "; mapped or held open" : "; mapped or held open: " + s.path;
    }
    return fmt::format("{} {} ({})", what, where, status);
}

namespace {

/// Reasons that say what a file is or does, rather than where it lies.
bool is_strong_reason(std::string_view reason) {
    return reason == "requested" || reason == "memfd" || reason == "deleted" ||
           reason == "preload" || reason == "package_modified";
}

nlohmann::json specimen_fields_of(const nlohmann::json& s) {
    return pick(s, {"sha256", "size", "path", "reasons", "status", "status_note", "source_count",
                    "sources"});
}

/// IRS-SMP-001: a specimen the samples collector chose but could not copy. Specimens chosen
/// only by --samples all-executables (the responder asked for everything) become one finding.
class NotCopiedPass final : public RulePass {
  public:
    explicit NotCopiedPass(const Rule& rule) : m_rule(rule) {}

    void see(std::string_view, const Record& r, FindingSink& out) override {
        const std::string status = text_of(r.value, "status");
        // "empty": every empty file shares one record; there is nothing to copy or miss.
        if (status.empty() || status == "copied" || status == "empty") return;
        std::vector<std::string> reasons;
        auto listed = r.value.find("reasons");
        if (listed != r.value.end() && listed->is_array()) {
            for (const auto& reason : *listed) {
                if (reason.is_string()) reasons.push_back(reason.get<std::string>());
            }
        }
        const bool wide_only =
            !reasons.empty() && std::all_of(reasons.begin(), reasons.end(),
                                            [](const auto& x) { return x == "all_executables"; });
        if (wide_only) {
            ++m_wide;
            // Counted per status; a crafted bundle's endless invented statuses share one line.
            std::string key = cut_text(status, k_specimen_short_text);
            if (!m_wide_status.count(key) && m_wide_status.size() >= k_statuses_kept) {
                key = "other";
            }
            ++m_wide_status[key];
            if (m_wide_evidence.size() < k_max_evidence_per_finding) {
                m_wide_evidence.push_back(r.evidence(pick(r.value, {"sha256", "path", "status"})));
            }
            return;
        }
        if (out.full()) {
            out.omit();
            return;
        }
        std::string reason_text;
        for (const auto& reason : reasons) {
            reason_text += (reason_text.empty() ? "" : ", ") + reason;
        }
        const std::string path = text_of(r.value, "path");
        const std::string sha = text_of(r.value, "sha256");
        // A member that is there but is not the content (changed while read, interrupted) is
        // no copy either, and says so.
        const bool member = !text_of(r.value, "archive").empty();
        std::string why = fmt::format(
            "specimen {} ({}) was {}: {}",
            !path.empty() ? path : (!sha.empty() ? "with SHA-256 " + sha : "with no path or hash"),
            reason_text.empty() ? "no reason recorded" : reason_text,
            member ? "copied, but not intact" : "not copied", status);
        const std::string note = text_of(r.value, "status_note");
        if (!note.empty()) why += " (" + note + ")";
        auto sources = r.value.find("sources");
        if (sources != r.value.end() && sources->is_array() && !sources->empty()) {
            const auto& first = sources->front();
            if (number_of(first, "pid") > 0) {
                why += fmt::format("; held by pid {} ({})", number_text(first, "pid"),
                                   text_of(first, "process"));
            }
        }
        const bool weak = std::none_of(reasons.begin(), reasons.end(), is_strong_reason);
        if (weak) why += " (low: chosen for where it lies, not for what it is)";
        // finding() cuts `why` to its bound, the lowering's reason included.
        Finding f = m_rule.finding(std::move(why), {r.evidence(specimen_fields_of(r.value))});
        if (weak) f.urgency = Urgency::low;
        out.add(std::move(f));
    }

    void finish(const Context&, FindingSink& out) override {
        if (m_wide == 0) return;
        std::string statuses;
        for (const auto& [status, count] : m_wide_status) {
            statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", status, count);
        }
        std::string why =
            fmt::format("{} specimen{} chosen only by --samples all-executables {} not copied ({})",
                        m_wide, m_wide == 1 ? "" : "s", m_wide == 1 ? "was" : "were", statuses);
        if (m_wide > m_wide_evidence.size()) {
            why += fmt::format("; the first {} are listed", m_wide_evidence.size());
        }
        Finding f = m_rule.finding(std::move(why), std::move(m_wide_evidence));
        f.urgency = Urgency::low;
        out.add(std::move(f));
    }

  private:
    static constexpr size_t k_statuses_kept = 16;
    const Rule& m_rule;
    uint64_t m_wide = 0;
    std::map<std::string, uint64_t> m_wide_status;
    std::vector<Evidence> m_wide_evidence;
};

constexpr Rule k_samples_rules[] = {
    {"IRS-SMP-001", "Suspicious file not copied as a specimen", Urgency::medium, Confidence::low,
     "", "samples",
     "The samples collector copies deleted, memfd, preloaded and temporary-place executables and "
     "libraries into the bundle's archive. One it chose but could not copy (over "
     "--max-sample-bytes or --max-evidence-bytes, denied, vanished, changed while read) is "
     "evidence the bundle lacks, and a deleted or memfd program is gone once its process exits: "
     "collect again while it runs. Not a sign of malice by itself; low when the file was chosen "
     "only for where it lies.",
     pass_of<NotCopiedPass>},
};

}  // namespace

std::span<const Rule> samples_rules() {
    return k_samples_rules;
}

}  // namespace irsnap::triage
