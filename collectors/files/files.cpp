// SPDX-License-Identifier: Apache-2.0
// The files collector, the same on both OSes: expand the table's patterns below the root
// (never following a symlink), hold each file open, spend the evidence budget in table order,
// copy into one ZipCrypto archive (each file read once, hashed as it is copied) and record
// every file found, copied or not.
#include "files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "common/evidence_copy.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/evidence_budget.hpp"
#include "irsnap/evidence_zip.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

/// Files a run looks at, and directories deep a `**` goes: bounded whatever the host holds.
constexpr size_t k_max_files = 4096;
constexpr int k_max_depth = 6;

struct Found {
    const FileRule* rule = nullptr;
    std::string rel;  ///< below the root, '/'-separated, raw bytes
    OpenedHostFile file;
    // Filled by the copy.
    std::string status, note;
    uint64_t copy_from = 0, copy_size = 0;
    std::optional<std::string> member, member_sha256, archive;
    std::optional<uint64_t> copied_bytes;
};

std::vector<std::string> split(std::string_view pattern) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= pattern.size()) {
        const size_t slash = pattern.find('/', start);
        parts.emplace_back(pattern.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return parts;
}

bool has_glob(std::string_view part) {
    return part.find_first_of("*?") != std::string_view::npos;
}

class FileFinder {
  public:
    FileFinder(const Context& ctx, RecordSink& sink, int root_fd)
        : m_ctx(ctx), m_sink(sink), m_root_fd(root_fd) {}

    std::vector<Found> run() {
        const auto homes = home_directories(m_ctx, m_root_fd);
        for (const auto& rule : file_rules()) {
            if (rule.os != build::k_platform) continue;
            if (m_ctx.should_stop() || m_full) break;
            if (rule.pattern.rfind("~/", 0) == 0) {
                for (const auto& home : homes) {
                    expand(rule, home + rule.pattern.substr(1));
                }
            } else {
                expand(rule, rule.pattern);
            }
        }
        return std::move(m_found);
    }

  private:
    void expand(const FileRule& rule, const std::string& pattern) {
        walk(m_root_fd, split(pattern), 0, "", rule, 0);
    }

    void walk(int dir_fd, const std::vector<std::string>& parts, size_t i, const std::string& rel,
              const FileRule& rule, int depth) {
        if (m_full || m_ctx.should_stop()) return;
        const std::string& part = parts[i];
        const bool last = i + 1 == parts.size();
        auto child = [&](const std::string& name) { return rel.empty() ? name : rel + "/" + name; };
        if (part == "**") {
            walk(dir_fd, parts, i + 1, rel, rule, depth);  // zero directories
            if (depth >= k_max_depth) return;
            for (const auto& e : listing(dir_fd)) {
                if (e.type != EntryType::directory) continue;
                descend(dir_fd, e.name,
                        [&](int sub) { walk(sub, parts, i, child(e.name), rule, depth + 1); });
            }
            return;
        }
        if (!has_glob(part)) {
            if (last) {
                take(dir_fd, part, child(part), rule, /*named=*/true);
            } else {
                descend(dir_fd, part,
                        [&](int sub) { walk(sub, parts, i + 1, child(part), rule, depth); });
            }
            return;
        }
        for (const auto& e : listing(dir_fd)) {
            if (!glob_match(part, e.name)) continue;
            if (last && e.type != EntryType::directory) {
                take(dir_fd, e.name, child(e.name), rule, false);
            } else if (!last && e.type == EntryType::directory) {
                descend(dir_fd, e.name,
                        [&](int sub) { walk(sub, parts, i + 1, child(e.name), rule, depth); });
            }
        }
    }

    std::vector<DirEntry> listing(int dir_fd) {
        std::string error;
        auto entries = list_directory(dir_fd, error, k_max_dir_entries);
        std::sort(entries.begin(), entries.end(),
                  [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
        return entries;
    }

    template <typename Fn>
    void descend(int dir_fd, const std::string& name, Fn&& fn) {
        std::string error;
        // O_NOFOLLOW on every component: a symlinked directory is never entered.
        UniqueFd sub = open_bundle_dir(dir_fd, name, error);
        if (sub) fn(sub.get());
    }

    void take(int dir_fd, const std::string& name, const std::string& rel, const FileRule& rule,
              bool named) {
        if (!m_seen.insert(rel).second) return;  // two rules, one file
        OpenedHostFile file = open_host_file(dir_fd, name);
        // A literal path that does not exist is simply absent; anything else found is recorded.
        if (named && !file.fd && !file.denied && !file.not_regular) return;
        if (m_found.size() >= k_max_files) {
            m_full = true;
            m_sink.coverage(fmt::format("more than {} files matched; the rest were not looked at",
                                        k_max_files));
            return;
        }
        m_found.push_back({&rule, rel, std::move(file)});
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    int m_root_fd;
    std::vector<Found> m_found;
    std::set<std::string> m_seen;
    bool m_full = false;
};

/// Decides each file's fate before any byte is copied: the archive's size must be known first.
void choose(const Context& ctx, std::vector<Found>& found, RecordSink& sink) {
    std::map<std::string, size_t> refused;
    for (auto& f : found) {
        if (!f.file.fd) {
            f.status = f.file.denied        ? "denied"
                       : f.file.not_regular ? "not_regular"
                                            : "read_failed";
            f.note = f.file.error;
            continue;
        }
        const uint64_t size = f.file.size;
        if (f.rule->tail) {
            f.copy_size = std::min(size, ctx.params.max_log_bytes);
            f.copy_from = size - f.copy_size;
        } else if (size > ctx.params.max_sample_bytes) {
            f.status = "too_large";
            f.note = fmt::format("{} bytes, above --max-sample-bytes {}", size,
                                 ctx.params.max_sample_bytes);
            ++refused[f.status];
            continue;
        } else {
            f.copy_size = size;
        }
        if (!ctx.evidence) {
            f.status = "budget";
            f.note = "no evidence budget in this run";
        } else if (auto refusal = ctx.evidence->take(f.copy_size)) {
            f.status = to_string(*refusal);
            f.note = *refusal == BudgetRefusal::run_budget
                         ? fmt::format("--max-evidence-bytes {} reached", ctx.evidence->max_bytes())
                         : "the output's file system is nearly full";
        } else {
            f.status = "planned";
            continue;
        }
        ++refused[f.status];
    }
    for (const auto& [status, count] : refused) {
        sink.coverage(
            fmt::format("{} file(s) not copied ({}): see status in the records", count, status));
    }
}

}  // namespace

namespace {

void copy_planned(const Context& ctx, std::vector<Found>& found, RecordSink& sink) {
    std::vector<Found*> planned;
    std::vector<ZipMemberPlan> plan;
    for (auto& f : found) {
        if (f.status != "planned") continue;
        planned.push_back(&f);
        plan.push_back({member_name_for(f.rel), f.copy_size, f.file.mtime_ns / 1'000'000'000});
    }
    if (planned.empty()) return;
    ArtifactWriter* out = sink.attachment("zip", evidence_zip_size(plan));
    if (!out) {
        for (Found* f : planned) {
            f->status = "not_stored";
            f->note = "this output keeps no archives";
        }
        return;
    }
    EvidenceZipWriter zip(*out);
    for (size_t i = 0; i < planned.size(); ++i) {
        Found& f = *planned[i];
        const bool stopped_before = ctx.should_stop();
        ZipMemberResult copied =
            zip.add(plan[i], descriptor_source(f.file.fd.get(), f.copy_from, ctx));
        f.file.fd = UniqueFd();  // done with it: descriptors stay few
        f.archive = "artifacts/" + out->name();
        f.member = plan[i].name;
        f.member_sha256 = copied.sha256;
        f.copied_bytes = copied.bytes_read;
        auto outcome = copy_outcome(copied, stopped_before, ctx, "");
        f.status = std::move(outcome.status);
        f.note = std::move(outcome.note);
        if (f.status == "copied" && f.copy_from > 0) {
            f.note = fmt::format("the last {} bytes (from offset {})", f.copy_size, f.copy_from);
        }
    }
    zip.close();
    out->close();
}

json record_of(const Found& f) {
    bool escaped = false;
    const std::string path = escape_bytes("/" + f.rel, escaped);
    auto opt = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
    const bool whole = f.status == "copied" && f.copy_from == 0;
    json r = {
        {"path", path},
        {"rule", f.rule->pattern},
        {"category", f.rule->category},
        {"size", f.file.fd || f.copied_bytes ? json(f.file.size) : json(nullptr)},
        {"mtime", f.file.mtime_ns ? json(format_rfc3339_utc(f.file.mtime_ns)) : json(nullptr)},
        {"status", f.status},
        {"status_note", f.note.empty() ? json(nullptr) : json(f.note)},
        {"sha256", whole ? opt(f.member_sha256) : json(nullptr)},
        {"archive", opt(f.archive)},
        {"member", opt(f.member)},
        {"member_sha256", opt(f.member_sha256)},
        {"copied_from", f.copied_bytes ? json(f.copy_from) : json(nullptr)},
        {"copied_bytes", f.copied_bytes ? json(*f.copied_bytes) : json(nullptr)},
    };
    if (escaped) r["escaped_fields"] = json::array({"path"});
    return r;
}

std::string rules_table() {
    std::string out = "what is copied, in the order the evidence budget is spent:\n";
    for (const auto& r : file_rules()) {
        out += fmt::format("  {:<8} {:<12} {:<5} {}  ({})\n", r.os, r.category,
                           r.tail ? "tail" : "whole", r.pattern, r.why);
    }
    return out;
}

}  // namespace

const CollectorSpec& files_spec() {
    static const CollectorSpec spec{
        .name = "files",
        .description =
            "Verbatim copies of the small files an analyst reads offline, from one declarative "
            "table (`irsnap describe files`): the persistence files autoruns parses (crontabs, "
            "units, init and shell start-up scripts, authorized_keys, ld.so.preload, modprobe.d, "
            "udev rules ...), shell and REPL histories, identity and access configuration "
            "(passwd, group, sudoers, PAM, sshd_config; never /etc/shadow or private keys) and "
            "the last --max-log-bytes of auth, syslog and audit logs; on Windows task XML, "
            "Startup shortcuts, PSReadLine histories and event logs. One record per file found; "
            "copies go into `<NN>_files.zip` (password 'infected'), members named by host path.",
        .volatility_rank = 95,
        .why =
            "RFC 3227: files on disk are the least volatile evidence; copied last, after "
            "autoruns has recorded what they mean.",
        .platforms = {"linux", "windows"},
        .privileges =
            "root (Windows: an administrator) to read other users' homes, sudoers "
            "and the logs",
        .without_privileges = "degrades: unreadable files are recorded with status denied",
        .fields =
            {
                {"path", "string",
                 "host path (the root stripped; Windows: relative to the "
                 "system drive)"},
                {"rule", "string", "the table pattern that found it"},
                {"category", "string", "persistence, identity, activity or log"},
                {"size", "integer", "bytes, from fstat of the opened file"},
                {"mtime", "string", "last modification (RFC 3339 UTC)"},
                {"status", "string",
                 "copied, or why not: too_large, budget, disk_space, denied, not_regular (a "
                 "symlink, FIFO or device: never followed or opened), read_failed, "
                 "changed_while_read, interrupted, not_stored"},
                {"status_note", "string", "details of the status"},
                {"sha256", "string", "SHA-256 of the whole file, when copied whole"},
                {"archive", "string", "the bundle's ZIP archive holding the copy"},
                {"member", "string",
                 "member name: the path below the root, bytes outside printable ASCII and "
                 "'%' as %XX"},
                {"member_sha256", "string", "SHA-256 of the member (irsnap extract checks it)"},
                {"copied_from", "integer", "offset the copy starts at (logs keep their tail)"},
                {"copied_bytes", "integer", "bytes read from the host into the member"},
            },
        .details = rules_table()};
    return spec;
}

void collect_files(const Context& ctx, RecordSink& sink) {
    std::string error;
    UniqueFd root = open_directory(path_from_utf8(files_root(ctx)), error);
    if (!root) {
        sink.coverage("cannot open the root " + files_root(ctx) + ": " + error);
        return;
    }
    std::vector<Found> found = FileFinder(ctx, sink, root.get()).run();
    choose(ctx, found, sink);
    copy_planned(ctx, found, sink);
    for (const auto& f : found) sink.emit(record_of(f));
}

}  // namespace irsnap::collectors
