// SPDX-License-Identifier: Apache-2.0
// What the exporters need of a bundle besides its lines: its identity before the lines are read
// (see export_internal.hpp), and the custody log.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "export_internal.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/sealed_input.hpp"
#include "irsnap/tar_members.hpp"
#include "irsnap/tar_reader.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::exports::detail {
namespace {

/// Keeps the text of the tar's manifest.json, skips everything else.
class ManifestOnly final : public TarVisitor {
  public:
    void begin(const TarMember& member) override {
        // The names verify accepts (tar_members.hpp): the manifest verify checked, not another.
        std::string why;
        m_take = m_names.accept(member, why) == "manifest.json" && is_regular_member(member);
        if (m_take) text.clear();
    }
    void data(std::string_view bytes) override {
        if (m_take && text.size() < k_max_manifest_bytes) text.append(bytes);
    }
    void end() override { m_take = false; }

    std::string text;

  private:
    TarMemberNames m_names;
    bool m_take = false;
};

std::string tar_manifest_text(const std::filesystem::path& path) {
    TarInput in = TarInput::open(path);
    if (!in) return {};
    ManifestOnly visitor;
    TarReader reader(visitor);
    (void)feed_from_fd(in.fd(), reader);  // a read error shows as a cut stream
    reader.finish();
    return visitor.text;
}

}  // namespace

BundleIdentity peek_bundle(const std::filesystem::path& path) {
    BundleIdentity id;
    std::filesystem::path trimmed = path;
    if (!trimmed.has_filename()) trimmed = trimmed.parent_path();
    id.name = trimmed.filename().string();
    const BundleProbe probe = probe_bundle(path);
    if (probe.kind == BundleKind::directory) {
        std::string error;
        UniqueFd dir = open_directory(path, error);
        const std::string text =
            dir ? read_bundle_text(dir.get(), "manifest.json", k_max_manifest_bytes, error) : "";
        if (error.empty()) id.manifest = parse_untrusted_json(text);
    } else if (probe.kind == BundleKind::tar || probe.kind == BundleKind::sealed) {
        id.name.resize(id.name.size() - tar_bundle_suffix(id.name).size());
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
    if (probe_bundle(bundle).kind != BundleKind::directory) return lines;
    std::string error;
    UniqueFd dir = open_directory(bundle, error);
    if (!dir) return lines;
    // Over the cap or not a regular file: verify names it; the export shows no custody events.
    const std::string text =
        read_bundle_text(dir.get(), "custody.jsonl", k_max_manifest_bytes, error);
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
