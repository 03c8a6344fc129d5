// SPDX-License-Identifier: Apache-2.0
// Reading bundles for analysis: one code path for directories and tar streams, so triage,
// stack and export never disagree about what a bundle holds.
#include "irsnap/bundle_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/sealed_input.hpp"
#include "irsnap/tar_members.hpp"
#include "irsnap/tar_reader.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap {
namespace {

constexpr size_t k_read_chunk = 1 << 16;

bool is_wanted(const std::set<std::string>& wanted, std::string_view collector) {
    return !collector.empty() && (wanted.empty() || wanted.count(std::string(collector)) > 0);
}

void summarise_manifest(const nlohmann::json& m, BundleSummary& s) {
    if (!m.is_object()) return;
    const auto& text = manifest_text;
    if (auto n = text(m, {"bundle"}); !n.empty()) s.name = n;
    if (auto h = text(m, {"host", "hostname"}); !h.empty()) s.host = h;
    s.collected = text(m, {"clock", "start", "realtime"});
    s.status = text(m, {"status"});
    if (m.contains("clock") && m["clock"].contains("start") &&
        m["clock"]["start"].contains("realtime_ns") &&
        m["clock"]["start"]["realtime_ns"].is_number_integer()) {
        s.collected_unix_ns = m["clock"]["start"]["realtime_ns"].get<int64_t>();
    }
}

void apply_verify(const VerifyReport& report, BundleSummary& s) {
    s.verified = report.ok();
    if (s.verified) return;
    // The first problem explains best, unless the manifest is simply absent: a FIFO or a
    // gigabyte in its place, or a digest that does not match, is named as it is.
    const bool only_missing =
        report.problems.empty() || report.problems.front().problem == "missing";
    if (!report.manifest_present && only_missing) {
        s.verify_note = "no manifest (the run was killed, or this is not a bundle)";
    } else if (report.problems.empty()) {
        s.verify_note = "manifest.json does not match manifest.json.sha256";
    } else {
        const auto& p = report.problems.front();
        s.verify_note = p.path + ": " + p.problem + (p.detail.empty() ? "" : " (" + p.detail + ")");
        if (report.problems.size() > 1) {
            s.verify_note += " and " + std::to_string(report.problems.size() - 1) + " more";
        }
    }
}

/// What this pass read, hashed as it went: verify hashed the bundle in a first pass, and the
/// files could have been replaced in between (a share someone else writes to).
struct ReadDigests {
    std::string manifest;
    std::map<std::string, std::string> artifacts;  ///< "artifacts/07_processes.jsonl" -> hex
};

/// The bytes analysed are the bytes verify vouched for: the same manifest (its digest), and
/// every artifact read with the digest that manifest lists. Otherwise the bundle is not
/// verified, and the note says what changed.
void check_read_digests(const VerifyReport& report, const nlohmann::json& manifest,
                        const ReadDigests& read, BundleSummary& summary) {
    if (!summary.verified) return;  // verify already explained why not
    std::string changed;
    if (read.manifest != report.manifest_sha256) {
        changed = "manifest.json";
    } else if (manifest.is_object() && manifest.contains("artifacts") &&
               manifest["artifacts"].is_array()) {
        for (const auto& a : manifest["artifacts"]) {
            if (!a.is_object() || !a.contains("path") || !a["path"].is_string()) continue;
            const auto it = read.artifacts.find(a["path"].get<std::string>());
            if (it == read.artifacts.end()) continue;
            const auto sha = a.find("sha256");
            if (sha == a.end() || !sha->is_string() || *sha != it->second) {
                changed = it->first;
                break;
            }
        }
    }
    if (changed.empty()) return;
    summary.verified = false;
    summary.verify_note = changed + ": changed between verify and reading (its digest differs)";
}

/// The bundle's files through bundle_fs.hpp, as verify opened them: a symlinked `artifacts/`
/// or a FIFO named manifest.json is refused here too, never followed or waited on.
void read_directory(int dir_fd, const std::set<std::string>& wanted, LineSplitter& splitter,
                    nlohmann::json& manifest, ReadDigests& digests) {
    std::string error;
    const std::string text = read_bundle_text(dir_fd, "manifest.json", k_max_manifest_bytes, error);
    digests.manifest = sha256_hex(text);
    if (error.empty()) manifest = parse_untrusted_json(text);
    if (manifest.is_discarded()) manifest = nullptr;
    UniqueFd artifacts = open_bundle_dir(dir_fd, "artifacts", error);
    if (!artifacts) return;  // verify already reported it
    std::vector<std::string> names;
    for (auto& entry : list_directory(artifacts.get(), error)) {
        if (entry.type == EntryType::regular) names.push_back(std::move(entry.name));
    }
    std::sort(names.begin(), names.end());  // NN_ prefix: run order
    std::string buffer(k_read_chunk, '\0');
    for (const auto& name : names) {
        const std::string rel = "artifacts/" + name;
        const std::string_view collector = collector_of_artifact(rel);
        if (!is_wanted(wanted, collector)) continue;
        BundleFile file = open_bundle_file(artifacts.get(), name);
        if (!file.fd) continue;  // verify already reported it
        splitter.start(rel, std::string(collector));
        Sha256 digest;
        for (;;) {
            const ssize_t n = ::read(file.fd.get(), buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            const std::string_view bytes(buffer.data(), static_cast<size_t>(n));
            digest.update(bytes);
            splitter.feed(bytes);
        }
        splitter.finish();
        digests.artifacts[rel] = digest.finish_hex();
    }
}

/// Second pass over a tar: lines of wanted artifacts, and the manifest's text.
class TarLines final : public TarVisitor {
  public:
    TarLines(const std::set<std::string>& wanted, LineSplitter& splitter)
        : m_wanted(wanted), m_splitter(splitter) {}

    void begin(const TarMember& member) override {
        m_mode = Mode::skip;
        // The names verify judged, by the same judge: a member verify refused (a trailing '/',
        // a second copy ...) is not read here either, and one it accepted is read by its name.
        std::string why;
        const std::string rel = m_names.accept(member, why);
        if (rel.empty() || !is_regular_member(member)) return;
        if (rel == "manifest.json") {
            m_mode = Mode::manifest;
            m_manifest_text.clear();
            return;
        }
        const std::string_view collector = collector_of_artifact(rel);
        if (!is_wanted(m_wanted, collector)) return;
        m_mode = Mode::lines;
        m_splitter.start(rel, std::string(collector));
        m_rel = rel;
        m_digest.emplace();
    }
    void data(std::string_view bytes) override {
        if (m_mode == Mode::lines) {
            m_digest->update(bytes);
            m_splitter.feed(bytes);
        }
        if (m_mode == Mode::manifest && m_manifest_text.size() < k_max_manifest_bytes) {
            m_manifest_text.append(bytes);
        }
    }
    void end() override {
        if (m_mode == Mode::lines) {
            m_splitter.finish();
            m_digests.artifacts[m_rel] = m_digest->finish_hex();
            m_digest.reset();
        }
        m_mode = Mode::skip;
    }
    const std::string& manifest_text() const { return m_manifest_text; }
    ReadDigests& digests() { return m_digests; }

  private:
    enum class Mode { skip, lines, manifest };
    const std::set<std::string>& m_wanted;
    LineSplitter& m_splitter;
    TarMemberNames m_names;
    Mode m_mode = Mode::skip;
    std::string m_manifest_text;
    std::string m_rel;
    std::optional<Sha256> m_digest;  ///< of the artifact being read
    ReadDigests m_digests;
};

void read_tar(int fd, const std::set<std::string>& wanted, LineSplitter& splitter,
              nlohmann::json& manifest, ReadDigests& digests) {
    TarLines lines(wanted, splitter);
    TarReader reader(lines);
    (void)feed_from_fd(fd, reader);  // a read error shows as a cut stream, as verify said
    reader.finish();
    digests = std::move(lines.digests());
    digests.manifest = sha256_hex(lines.manifest_text());
    if (!lines.manifest_text().empty()) {
        manifest = parse_untrusted_json(lines.manifest_text());
        if (manifest.is_discarded()) manifest = nullptr;
    }
}

/// What was read against what the manifest lists, for the artifacts this command wanted: a
/// difference means verify and this pass did not see the same bytes, or the manifest and its
/// artifacts were rewritten together. Either way the analyst must hear it: the bundle then
/// counts as not verified (exit 5), as a digest mismatch does.
void check_record_counts(const nlohmann::json& manifest, const std::set<std::string>& wanted,
                         const std::map<std::string, uint64_t>& read, BundleSummary& summary) {
    if (!manifest.is_object()) return;  // verify already said there is no usable manifest
    const auto artifacts = manifest.find("artifacts");
    if (artifacts == manifest.end() || !artifacts->is_array()) return;
    for (const auto& a : *artifacts) {
        if (!a.is_object()) continue;
        const auto path = a.find("path");
        const auto records = a.find("records");
        if (path == a.end() || !path->is_string() || records == a.end() ||
            !records->is_number_unsigned()) {
            continue;
        }
        const std::string& rel = path->get_ref<const std::string&>();
        if (rel.rfind("artifacts/", 0) != 0) continue;  // collection.log: not records
        const std::string_view collector = collector_of_artifact(rel);
        // An artifact name no collector has is never read: with every collector wanted
        // (export), its records are missing from the output, and that is a difference too.
        if (collector.empty() ? !wanted.empty() : !is_wanted(wanted, collector)) continue;
        const auto it = read.find(rel);
        const uint64_t got = it == read.end() ? 0 : it->second;
        const uint64_t listed = records->get<uint64_t>();
        if (got != listed) summary.record_mismatches.push_back({rel, listed, got});
    }
    if (summary.record_mismatches.empty()) return;
    summary.verified = false;
    const std::string text = record_mismatch_text(summary);
    summary.verify_note = summary.verify_note.empty() ? text : summary.verify_note + "; " + text;
}

}  // namespace

std::string host_from_bundle_name(const std::string& name) {
    const size_t stamp = name.rfind('T');
    const size_t cut = name.rfind('_', stamp == std::string::npos ? std::string::npos : stamp);
    return cut == std::string::npos || cut == 0 ? name : name.substr(0, cut);
}

std::string manifest_text(const nlohmann::json& manifest, std::initializer_list<const char*> keys) {
    const nlohmann::json* at = &manifest;
    for (const char* k : keys) {
        if (!at->is_object()) return {};
        auto it = at->find(k);
        if (it == at->end()) return {};
        at = &*it;
    }
    return at->is_string() ? at->get<std::string>() : std::string();
}

std::string_view collector_of_artifact(std::string_view path) {
    constexpr std::string_view dir = "artifacts/";
    constexpr std::string_view ext = ".jsonl";
    if (path.substr(0, dir.size()) != dir || path.size() <= dir.size() + ext.size()) return {};
    std::string_view name = path.substr(dir.size());
    if (name.find('/') != std::string_view::npos) return {};
    if (name.substr(name.size() - ext.size()) != ext) return {};
    name.remove_suffix(ext.size());
    const size_t underscore = name.find('_');
    if (underscore == std::string_view::npos || underscore == 0) return {};
    for (size_t i = 0; i < underscore; ++i) {
        if (name[i] < '0' || name[i] > '9') return {};
    }
    // Any other name is read too ("21_Processes.jsonl" beside "07_processes.jsonl", a name with
    // escapes): the manifest lists it and its digest verified, so export carries its records
    // (to a table named by sql_table_name(), never a clash), and every printed name goes
    // through terminal_safe(). Only the collectors a command asks for are read by name.
    return name.substr(underscore + 1);
}

BundleSummary read_bundle(const std::filesystem::path& path, const std::set<std::string>& wanted,
                          const std::function<void(const BundleLine&)>& on_line,
                          nlohmann::json* manifest_out) {
    BundleSummary summary;
    summary.source = path.string();
    std::filesystem::path trimmed = path;
    if (!trimmed.has_filename()) trimmed = trimmed.parent_path();
    summary.name = trimmed.filename().string();
    nlohmann::json manifest;
    VerifyReport report;
    ReadDigests digests;
    LineSplitter splitter(on_line, [&summary](std::string_view artifact, uint64_t line,
                                              uint64_t bytes) {
        ++summary.oversized_lines;
        if (summary.line_errors.size() < k_line_errors_kept) {
            summary.line_errors.push_back(std::string(artifact) + " line " + std::to_string(line) +
                                          ": " + std::to_string(bytes) + " bytes, over the " +
                                          std::to_string(k_max_line_bytes >> 20) +
                                          " MiB record limit (skipped)");
        }
    });

    const BundleProbe probe = probe_bundle(path);
    if (probe.kind == BundleKind::not_a_bundle) {
        summary.error = path.string() + ": " + probe.error;
        return summary;
    }
    if (probe.kind == BundleKind::directory) {
        std::string error;
        UniqueFd dir = open_directory(path, error);
        if (!dir) {
            summary.error = path.string() + ": " + error;
            return summary;
        }
        report = verify_bundle_at(dir.get());
        apply_verify(report, summary);
        read_directory(dir.get(), wanted, splitter, manifest, digests);
    } else {
        // Two passes (verify, then read); a sealed file is decrypted for each, never stored.
        TarInput first = TarInput::open(path);
        if (!first) {
            summary.error = first.error();
            return summary;
        }
        report = verify_tar(first.fd());
        first.finish_into(report);
        apply_verify(report, summary);
        TarInput second = TarInput::open(path);
        if (!second) {
            summary.error = second.error();
            return summary;
        }
        read_tar(second.fd(), wanted, splitter, manifest, digests);
        second.finish();
        summary.name.resize(summary.name.size() - tar_bundle_suffix(summary.name).size());
    }
    summary.host = host_from_bundle_name(summary.name);
    summarise_manifest(manifest, summary);
    check_read_digests(report, manifest, digests, summary);
    check_record_counts(manifest, wanted, splitter.counts(), summary);
    if (manifest_out != nullptr) *manifest_out = std::move(manifest);
    return summary;
}

nlohmann::json record_mismatches_json(const BundleSummary& summary) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : summary.record_mismatches) {
        out.push_back({{"artifact", m.artifact}, {"manifest", m.manifest}, {"read", m.read}});
    }
    return out;
}

std::string record_mismatch_text(const BundleSummary& summary) {
    if (summary.record_mismatches.empty()) return {};
    const auto& m = summary.record_mismatches.front();
    std::string text = "records read differ from the manifest: " + m.artifact + " has " +
                       std::to_string(m.read) + ", the manifest says " + std::to_string(m.manifest);
    if (summary.record_mismatches.size() > 1) {
        text += " (and " + std::to_string(summary.record_mismatches.size() - 1) + " more)";
    }
    return text;
}

}  // namespace irsnap
