// SPDX-License-Identifier: Apache-2.0
// What the exporters need of a bundle besides its lines: its identity before the lines are read
// (see export_internal.hpp), and the custody log.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "export_internal.hpp"
#include "irsnap/tar_reader.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::exports::detail {
namespace {

/// As bundle_reader.cpp bounds it: a crafted tar must not make us keep more.
constexpr size_t k_max_manifest_bytes = 16u << 20;
constexpr size_t k_max_custody_bytes = 16u << 20;

/// Keeps the text of the tar's manifest.json, skips everything else.
class ManifestOnly final : public TarVisitor {
  public:
    void begin(const TarMember& member) override {
        const size_t slash = member.name.find('/');
        m_take = (member.typeflag == '0' || member.typeflag == '\0') &&
                 slash != std::string::npos && member.name.substr(slash + 1) == "manifest.json";
        if (m_take) text.clear();
    }
    void data(std::string_view bytes) override {
        if (m_take && text.size() < k_max_manifest_bytes) text.append(bytes);
    }
    void end() override { m_take = false; }

    std::string text;

  private:
    bool m_take = false;
};

std::string tar_manifest_text(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    ManifestOnly visitor;
    TarReader reader(visitor);
    (void)feed_from_fd(fd, reader);  // a read error shows as a cut stream, as verify said
    reader.finish();
    ::close(fd);
    return visitor.text;
}

}  // namespace

BundleIdentity peek_bundle(const std::filesystem::path& path) {
    BundleIdentity id;
    std::filesystem::path trimmed = path;
    if (!trimmed.has_filename()) trimmed = trimmed.parent_path();
    id.name = trimmed.filename().string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        std::ifstream in(path / "manifest.json", std::ios::binary);
        if (in) {
            const std::string text{std::istreambuf_iterator<char>(in), {}};
            id.manifest = parse_untrusted_json(text);
        }
    } else {
        if (id.name.size() > 4 && id.name.substr(id.name.size() - 4) == ".tar") {
            id.name.resize(id.name.size() - 4);
        }
        const std::string text = tar_manifest_text(path);
        if (!text.empty()) id.manifest = parse_untrusted_json(text);
    }
    if (id.manifest.is_discarded() || !id.manifest.is_object()) id.manifest = nullptr;
    id.host = host_from_bundle_name(id.name);
    if (auto n = manifest_text(id.manifest, {"bundle"}); !n.empty()) id.name = n;
    if (auto h = manifest_text(id.manifest, {"host", "hostname"}); !h.empty()) id.host = h;
    id.collected = manifest_text(id.manifest, {"clock", "start", "realtime"});
    return id;
}

bool same_bundle(const BundleIdentity& id, const BundleSummary& summary) {
    return id.name == summary.name && id.host == summary.host && id.collected == summary.collected;
}

void note_changed(BundleSummary& summary) {
    summary.verified = false;
    summary.verify_note = "the manifest changed while the bundle was exported" +
                          (summary.verify_note.empty() ? "" : "; " + summary.verify_note);
}

std::vector<CustodyLine> read_custody_log(const std::filesystem::path& bundle) {
    std::vector<CustodyLine> lines;
    struct stat st {};
    if (::stat(bundle.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return lines;
    const int fd = ::open((bundle / "custody.jsonl").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return lines;
    std::string text;
    std::string buffer(1 << 16, '\0');
    while (text.size() < k_max_custody_bytes) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer.data(), static_cast<size_t>(n));
    }
    ::close(fd);
    uint64_t number = 0;
    std::string_view rest = text;
    while (!rest.empty()) {
        const size_t nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        ++number;
        if (line.empty()) continue;
        nlohmann::json event = parse_untrusted_json(line);
        if (event.is_discarded() || !event.is_object()) event = nullptr;
        lines.push_back(CustodyLine{number, std::move(event)});
    }
    return lines;
}

}  // namespace irsnap::exports::detail
