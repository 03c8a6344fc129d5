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
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/tar_reader.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap {
namespace {

constexpr size_t k_read_chunk = 1 << 16;
/// A manifest is a few hundred KiB at most; a crafted tar must not make us keep more.
constexpr size_t k_max_manifest_bytes = 16u << 20;

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
    if (!report.manifest_present) {
        s.verify_note = "no manifest (the run was killed, or this is not a bundle)";
    } else if (!report.manifest_digest_ok) {
        s.verify_note = "manifest.json does not match manifest.json.sha256";
    } else if (!report.problems.empty()) {
        const auto& p = report.problems.front();
        s.verify_note = p.path + ": " + p.problem + (p.detail.empty() ? "" : " (" + p.detail + ")");
        if (report.problems.size() > 1) {
            s.verify_note += " and " + std::to_string(report.problems.size() - 1) + " more";
        }
    }
}

void read_directory(const std::filesystem::path& dir, const std::set<std::string>& wanted,
                    LineSplitter& splitter, nlohmann::json& manifest) {
    {
        std::ifstream in(dir / "manifest.json", std::ios::binary);
        if (in) {
            const std::string text{std::istreambuf_iterator<char>(in), {}};
            manifest = parse_untrusted_json(text);
        }
        if (manifest.is_discarded()) manifest = nullptr;
    }
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "artifacts", ec)) {
        if (entry.is_regular_file(ec)) names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());  // NN_ prefix: run order
    std::string buffer(k_read_chunk, '\0');
    for (const auto& name : names) {
        const std::string rel = "artifacts/" + name;
        const std::string_view collector = collector_of_artifact(rel);
        if (!is_wanted(wanted, collector)) continue;
        const int fd = ::open((dir / rel).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) continue;  // verify already reported it
        splitter.start(rel, std::string(collector));
        for (;;) {
            const ssize_t n = ::read(fd, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            splitter.feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
        }
        splitter.finish();
        ::close(fd);
    }
}

/// Second pass over a tar: lines of wanted artifacts, and the manifest's text.
class TarLines final : public TarVisitor {
  public:
    TarLines(const std::set<std::string>& wanted, LineSplitter& splitter)
        : m_wanted(wanted), m_splitter(splitter) {}

    void begin(const TarMember& member) override {
        m_mode = Mode::skip;
        if (member.typeflag != '0' && member.typeflag != '\0') return;
        const size_t slash = member.name.find('/');
        if (slash == std::string::npos) return;
        const std::string rel = member.name.substr(slash + 1);
        if (rel == "manifest.json") {
            m_mode = Mode::manifest;
            m_manifest_text.clear();
            return;
        }
        const std::string_view collector = collector_of_artifact(rel);
        if (!is_wanted(m_wanted, collector)) return;
        m_mode = Mode::lines;
        m_splitter.start(rel, std::string(collector));
    }
    void data(std::string_view bytes) override {
        if (m_mode == Mode::lines) m_splitter.feed(bytes);
        if (m_mode == Mode::manifest && m_manifest_text.size() < k_max_manifest_bytes) {
            m_manifest_text.append(bytes);
        }
    }
    void end() override {
        if (m_mode == Mode::lines) m_splitter.finish();
        m_mode = Mode::skip;
    }
    const std::string& manifest_text() const { return m_manifest_text; }

  private:
    enum class Mode { skip, lines, manifest };
    const std::set<std::string>& m_wanted;
    LineSplitter& m_splitter;
    Mode m_mode = Mode::skip;
    std::string m_manifest_text;
};

void read_tar(int fd, const std::set<std::string>& wanted, LineSplitter& splitter,
              nlohmann::json& manifest) {
    TarLines lines(wanted, splitter);
    TarReader reader(lines);
    (void)feed_from_fd(fd, reader);  // a read error shows as a cut stream, as verify said
    reader.finish();
    if (!lines.manifest_text().empty()) {
        manifest = parse_untrusted_json(lines.manifest_text());
        if (manifest.is_discarded()) manifest = nullptr;
    }
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

    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        summary.error = path.string() + ": " + std::strerror(errno);
        return summary;
    }
    if (S_ISDIR(st.st_mode)) {
        apply_verify(verify_bundle(path), summary);
        read_directory(path, wanted, splitter, manifest);
    } else {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            summary.error = path.string() + ": " + std::strerror(errno);
            return summary;
        }
        apply_verify(verify_tar(fd), summary);
        if (::lseek(fd, 0, SEEK_SET) != 0) {
            summary.error = path.string() + ": not a seekable file (save the stream first)";
            ::close(fd);
            return summary;
        }
        read_tar(fd, wanted, splitter, manifest);
        ::close(fd);
        if (summary.name.size() > 4 && summary.name.substr(summary.name.size() - 4) == ".tar") {
            summary.name.resize(summary.name.size() - 4);
        }
    }
    summary.host = host_from_bundle_name(summary.name);
    summarise_manifest(manifest, summary);
    if (manifest_out != nullptr) *manifest_out = std::move(manifest);
    return summary;
}

}  // namespace irsnap
