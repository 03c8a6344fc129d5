// SPDX-License-Identifier: Apache-2.0
#include "specimen_set.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "evidence_copy.hpp"
#include "irsnap/evidence_budget.hpp"
#include "irsnap/evidence_zip.hpp"
#include "irsnap/file_hash.hpp"
#include "irsnap/hash.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;

/// Sources listed in one record; the count says how many there were.
constexpr size_t k_max_listed_sources = 64;

/// One distinct content, with everything that holds it.
struct Content {
    std::string sha256;  ///< empty when it could not be hashed
    std::string hash_note;
    uint64_t size = 0;
    int64_t mtime_unix = 0;
    int fd = -1;  ///< read through this (owned by the Held entry)
    std::set<SpecimenReason> reasons;
    std::set<SpecimenSource> sources;  ///< the first k_max_kept_sources
    uint64_t source_count = 0;
    std::string status;
    std::string note;
    std::optional<std::string> member, member_sha256, archive;
    std::optional<uint64_t> copied_bytes;
    SpecimenReason rank() const { return *reasons.begin(); }
};

json source_to_json(const SpecimenSource& s) {
    return {{"kind", s.kind},
            {"pid", s.pid ? json(*s.pid) : json(nullptr)},
            {"process", s.process.empty() ? json(nullptr) : json(s.process)},
            {"handle", s.handle.empty() ? json(nullptr) : json(s.handle)},
            {"path", s.path.empty() ? json(nullptr) : json(s.path)},
            {"read_via", s.read_via}};
}

json record_of(const Content& c) {
    json reasons = json::array();
    for (auto r : c.reasons) reasons.push_back(to_string(r));
    json sources = json::array();
    bool escaped = false;
    for (const auto& s : c.sources) {
        escaped = escaped || s.escaped;
        if (sources.size() < k_max_listed_sources) sources.push_back(source_to_json(s));
    }
    std::string path;
    for (const auto& s : c.sources) {
        if (!s.path.empty()) {
            path = s.path;
            break;
        }
    }
    auto opt = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
    json r = {{"sha256", c.sha256.empty() ? json(nullptr) : json(c.sha256)},
              {"size", c.size},
              {"path", path.empty() ? json(nullptr) : json(path)},
              {"reasons", std::move(reasons)},
              {"sources", std::move(sources)},
              {"source_count", std::max<uint64_t>(c.source_count, c.sources.size())},
              {"status", c.status},
              {"status_note", c.note.empty() ? json(nullptr) : json(c.note)},
              {"archive", opt(c.archive)},
              {"member", opt(c.member)},
              {"member_sha256", opt(c.member_sha256)},
              {"copied_bytes", c.copied_bytes ? json(*c.copied_bytes) : json(nullptr)}};
    if (escaped) r["escaped_fields"] = json::array({"path", "sources"});
    return r;
}

FileHash hash_of(const Context& ctx, int fd, const FileKey& key) {
    // The processes and modules collectors hashed most of these already, by the same identity.
    if (ctx.hashes) {
        if (auto cached = ctx.hashes->find(key)) return cached->get();
    }
    return hash_fd(fd, key.size, ctx.params.max_hash_bytes, ctx.cancel);
}

}  // namespace

std::string to_string(SpecimenReason reason) {
    switch (reason) {
        case SpecimenReason::requested:
            return "requested";
        case SpecimenReason::memfd:
            return "memfd";
        case SpecimenReason::deleted:
            return "deleted";
        case SpecimenReason::preload:
            return "preload";
        case SpecimenReason::package_modified:
            return "package_modified";
        case SpecimenReason::unowned_system_file:
            return "unowned_system_file";
        case SpecimenReason::temporary_place:
            return "temporary_place";
        case SpecimenReason::hidden_directory:
            return "hidden_directory";
        case SpecimenReason::world_writable_directory:
            return "world_writable_directory";
        case SpecimenReason::unsigned_image:
            return "unsigned_image";
        case SpecimenReason::unsigned_module:
            return "unsigned_module";
        case SpecimenReason::all_executables:
            return "all_executables";
    }
    return "unknown";
}

void SpecimenSet::add(SpecimenCandidate candidate, RecordSink& sink) {
    auto it = m_by_key.find(candidate.key);
    if (it != m_by_key.end()) {
        merge(it->second, candidate.reasons, std::move(candidate.source));
        return;  // candidate.fd closes here: one descriptor per identity is enough
    }
    if (m_by_key.size() >= k_max_held_specimens) {
        if (m_not_held++ == 0) {
            sink.coverage(fmt::format(
                "more than {} distinct files qualified as specimens; the rest were not held open "
                "or copied",
                k_max_held_specimens));
        }
        return;
    }
    Held held{std::move(candidate.fd), candidate.key, {}, {}, 0};
    merge(held, candidate.reasons, std::move(candidate.source));
    m_by_inode.emplace(std::make_pair(candidate.key.dev, candidate.key.ino), candidate.key);
    m_by_key.emplace(candidate.key, std::move(held));
}

bool SpecimenSet::merge_known_inode(uint64_t dev, uint64_t ino,
                                    const std::set<SpecimenReason>& reasons,
                                    SpecimenSource source) {
    auto it = m_by_inode.find({dev, ino});
    return it != m_by_inode.end() && merge_known(it->second, reasons, std::move(source));
}

void SpecimenSet::merge(Held& held, const std::set<SpecimenReason>& reasons,
                        SpecimenSource source) {
    held.reasons.insert(reasons.begin(), reasons.end());
    ++held.source_count;
    // A file held by thousands of processes keeps a bounded list; the count stays exact.
    if (held.sources.size() < k_max_kept_sources) held.sources.insert(std::move(source));
}

bool SpecimenSet::merge_known(const FileKey& key, const std::set<SpecimenReason>& reasons,
                              SpecimenSource source) {
    auto it = m_by_key.find(key);
    if (it == m_by_key.end()) return false;
    merge(it->second, reasons, std::move(source));
    return true;
}

void SpecimenSet::add_empty(const std::set<SpecimenReason>& reasons, SpecimenSource source) {
    merge(m_empty, reasons, std::move(source));
}

void SpecimenSet::add_unreadable(std::set<SpecimenReason> reasons, SpecimenSource source,
                                 std::string status, std::string note) {
    m_unreadable.push_back(
        {std::move(reasons), std::move(source), std::move(status), std::move(note)});
}

void SpecimenSet::finish(const Context& ctx, RecordSink& sink) {
    // 1. Identity to content: equal digests are one specimen, whatever held them.
    std::map<std::string, Content> by_sha;
    std::vector<Content> unhashed;
    for (auto& [key, held] : m_by_key) {
        if (ctx.should_stop()) break;
        // Too large to copy: not read at all (a 100 GB sparse file costs nothing), though a
        // digest another collector computed is still reported.
        FileHash hash;
        if (key.size <= ctx.params.max_sample_bytes) {
            hash = hash_of(ctx, held.fd.get(), key);
        } else if (auto cached = ctx.hashes ? ctx.hashes->find(key) : std::nullopt) {
            hash = cached->get();
        } else {
            hash.note = "too_large";
        }
        Content* c = nullptr;
        if (hash.sha256) {
            c = &by_sha[*hash.sha256];
            c->sha256 = *hash.sha256;
        } else {
            c = &unhashed.emplace_back();
            c->hash_note = hash.note;
        }
        if (c->fd < 0) {
            c->fd = held.fd.get();
            c->size = key.size;
            c->mtime_unix = key.mtime_ns / 1'000'000'000;
        }
        c->reasons.insert(held.reasons.begin(), held.reasons.end());
        c->source_count += held.source_count;
        for (const auto& src : held.sources) {
            if (c->sources.size() >= k_max_kept_sources) break;
            c->sources.insert(src);
        }
    }

    // 2. The order the budget is spent in: most suspicious reason first, then the smaller file
    // (more specimens fit), then the digest (a stable order from run to run).
    std::vector<Content*> order;
    order.reserve(by_sha.size());
    for (auto& [sha, c] : by_sha) order.push_back(&c);  // by digest: the tie-break
    std::stable_sort(order.begin(), order.end(), [](const Content* a, const Content* b) {
        if (a->rank() != b->rank()) return a->rank() < b->rank();
        return a->size < b->size;
    });

    // 3. Choose within the budgets; each refusal is a status and a coverage note.
    std::map<std::string, size_t> refused;
    std::vector<Content*> chosen;
    for (Content* c : order) {
        if (c->size > ctx.params.max_sample_bytes) {
            c->status = "too_large";
            c->note = fmt::format("{} bytes, above --max-sample-bytes {}", c->size,
                                  ctx.params.max_sample_bytes);
        } else if (!ctx.evidence) {
            c->status = "budget";
            c->note = "no evidence budget in this run";
        } else if (auto refusal = ctx.evidence->take(c->size)) {
            c->status = to_string(*refusal);
            c->note =
                *refusal == BudgetRefusal::run_budget
                    ? fmt::format("--max-evidence-bytes {} reached", ctx.evidence->max_bytes())
                    : "the output's file system is nearly full";
        } else {
            chosen.push_back(c);
            continue;
        }
        ++refused[c->status];
    }

    // 4. Copy, in that order, into one archive whose size is known before the first byte.
    if (!chosen.empty()) {
        std::vector<ZipMemberPlan> plan;
        plan.reserve(chosen.size());
        for (const Content* c : chosen) plan.push_back({c->sha256, c->size, c->mtime_unix});
        ArtifactWriter* out = sink.attachment("zip", evidence_zip_size(plan));
        if (!out) {
            for (Content* c : chosen) {
                c->status = "not_stored";
                c->note = "this output keeps no archives";
            }
        } else {
            EvidenceZipWriter zip(*out);
            for (size_t i = 0; i < chosen.size(); ++i) {
                Content& c = *chosen[i];
                const bool stopped_before = ctx.should_stop();
                ZipMemberResult copied = zip.add(plan[i], descriptor_source(c.fd, 0, ctx));
                c.archive = "artifacts/" + out->name();
                c.member = plan[i].name;
                c.member_sha256 = copied.sha256;
                c.copied_bytes = copied.bytes_read;
                auto outcome = copy_outcome(copied, stopped_before, ctx, c.sha256);
                c.status = std::move(outcome.status);
                c.note = std::move(outcome.note);
            }
            zip.close();
            out->close();
        }
    }

    // 5. One record per content, in the budget's order, then what could not be hashed or read.
    for (const Content* c : order) sink.emit(record_of(*c));
    for (auto& c : unhashed) {
        if (c.hash_note == "too_large") {
            c.status = "too_large";
            c.note = fmt::format("{} bytes, above --max-sample-bytes {} (not read)", c.size,
                                 ctx.params.max_sample_bytes);
            ++refused[c.status];
        } else {
            c.status = "not_hashed";
            c.note = c.hash_note;
        }
        sink.emit(record_of(c));
    }
    for (const auto& [status, count] : refused) {
        sink.coverage(fmt::format("{} specimen(s) not copied ({}): see status in the records",
                                  count, status));
    }
    if (m_empty.source_count) {
        // Empty files need no copy: their digest is known and they hold nothing to analyse.
        Content c;
        c.sha256 = sha256_hex("");
        c.reasons = std::move(m_empty.reasons);
        c.sources = std::move(m_empty.sources);
        c.source_count = m_empty.source_count;
        c.status = "empty";
        c.note = "nothing to copy";
        sink.emit(record_of(c));
    }
    for (auto& u : m_unreadable) {
        Content c;
        c.reasons = std::move(u.reasons);
        c.sources.insert(std::move(u.source));
        c.source_count = 1;
        c.status = std::move(u.status);
        c.note = std::move(u.note);
        sink.emit(record_of(c));
    }
    m_by_key.clear();  // closes every held descriptor
}

std::vector<FieldSpec> specimen_fields() {
    return {
        {"sha256", "string",
         "SHA-256 of the content, the specimen's identity; null when it could "
         "not be hashed"},
        {"size", "integer", "bytes, from fstat of the descriptor it was found by"},
        {"path", "string", "the first host path among the sources (null for content with no path)"},
        {"reasons", "string[]",
         "why it was chosen, most suspicious first: requested, memfd, deleted, preload, "
         "package_modified, unowned_system_file (the package verdicts of processes and "
         "modules), temporary_place, hidden_directory, world_writable_directory, unsigned_image, "
         "unsigned_module, all_executables"},
        {"sources", "object[]",
         "where it was seen (first 64): kind (exe, mapping, descriptor, preload_list, "
         "kernel_module, requested), pid, process, handle, path, read_via"},
        {"source_count", "integer", "how many sources hold this content"},
        {"status", "string",
         "copied, or why not: too_large, budget, disk_space, not_hashed, read_failed, "
         "changed_while_read, interrupted, denied, vanished, not_regular, not_stored; empty "
         "(one record for every empty file: nothing to copy)"},
        {"status_note", "string", "details of the status"},
        {"archive", "string", "the bundle's ZIP archive holding it (password: infected)"},
        {"member", "string", "its member name in the archive (the SHA-256)"},
        {"member_sha256", "string",
         "SHA-256 of the member's bytes; equal to sha256 when copied (irsnap extract checks it)"},
        {"copied_bytes", "integer", "bytes read from the host into the member"},
    };
}

}  // namespace irsnap::collectors
