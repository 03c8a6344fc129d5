// SPDX-License-Identifier: Apache-2.0
// dpkg's database: status (versions, conffiles), info/<package>.list (every path a package
// installed), info/<package>.md5sums (their MD5s, read per package on first use) and diversions.
#include <fcntl.h>

#include <map>

#include <fmt/format.h>

#include "irsnap/bundle_fs.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/package_files.hpp"
#include "package_sources.hpp"

namespace irsnap::packages {
namespace {

// A hostile host can plant a 10 GB .list: each database file is read up to this, and a cut one
// is a note (its package's remaining paths look unowned).
constexpr size_t k_max_list_bytes = size_t{64} << 20;
constexpr size_t k_max_status_bytes = size_t{64} << 20;
// The largest Debian packages list about 50,000 files (5 MB of .md5sums).
constexpr size_t k_max_md5sums_bytes = size_t{16} << 20;

struct DpkgEntry {
    std::string stem;  ///< info/<stem>.list: "name" or "name:arch" (Multi-Arch: same)
    std::vector<DpkgConffile> conffiles;
};

class DpkgSource final : public Source {
  public:
    DpkgSource(UniqueFd info, PathNormalizer norm)
        : m_info(std::move(info)), m_norm(std::move(norm)) {}
    std::string_view manager() const override { return "dpkg"; }

    DigestTable digests(uint32_t local, std::string& note) const override {
        DigestTable table;
        const DpkgEntry& e = m_entries.at(local);
        bool truncated = false;
        auto text =
            posix::read_file_at(m_info.get(), e.stem + ".md5sums", k_max_list_bytes, &truncated);
        if (!text) {
            if (text.error().code != ENOENT) {
                note = fmt::format("info/{}.md5sums not read: {}", e.stem, text.error().message);
            }
        } else {
            const size_t bad =
                for_each_dpkg_md5sum(*text, [&](std::string_view path, std::string_view md5) {
                    std::string p = m_norm.normalize(path);
                    const uint64_t key = path_key(p);
                    table.try_emplace(key,
                                      RecordedDigest{std::move(p), std::string(md5), "md5", false});
                });
            if (bad || truncated) {
                note = fmt::format("info/{}.md5sums: {} malformed line(s){}", e.stem, bad,
                                   truncated ? ", cut at the size cap" : "");
            }
        }
        // Conffiles are not in .md5sums: status holds the digest of the version dpkg installed.
        for (const auto& c : e.conffiles) {
            if (c.md5.empty() || c.obsolete) continue;
            std::string p = m_norm.normalize(c.path);
            const uint64_t key = path_key(p);
            table.insert_or_assign(key, RecordedDigest{std::move(p), c.md5, "md5", true});
        }
        return table;
    }

    std::string listed_path(const std::string& path) const override {
        auto it = m_diverted_from.find(path);
        return it == m_diverted_from.end() ? path : it->second;
    }

    std::vector<DpkgEntry> m_entries;
    std::map<std::string, std::string> m_diverted_from;  ///< diverted-to -> listed path

  private:
    UniqueFd m_info;
    PathNormalizer m_norm;
};

std::string text_or_note(int dir_fd, const std::string& name, size_t cap,
                         std::vector<std::string>& notes, bool& read) {
    bool truncated = false;
    auto text = posix::read_file_at(dir_fd, name, cap, &truncated);
    read = text.ok();
    if (!text) {
        if (text.error().code != ENOENT) {
            notes.push_back(fmt::format("dpkg: {} not read: {}", name, text.error().message));
        }
        return {};
    }
    if (truncated) notes.push_back(fmt::format("dpkg: {} cut at {} bytes", name, cap));
    return std::move(*text);
}

}  // namespace

std::unique_ptr<Source> read_dpkg(int root_fd, const PathNormalizer& norm, uint16_t source,
                                  OwnerTable& table, std::vector<std::string>& notes) {
    auto dpkg_dir = posix::open_in_root(root_fd, "var/lib/dpkg", O_DIRECTORY);
    if (!dpkg_dir) return nullptr;
    auto info = posix::open_in_root(root_fd, "var/lib/dpkg/info", O_DIRECTORY);
    if (!info) {
        notes.push_back("dpkg: var/lib/dpkg/info not readable: " + info.error().message);
        return nullptr;
    }
    const int info_fd = info->get();
    auto src = std::make_unique<DpkgSource>(std::move(*info), norm);

    bool status_read = false;
    const std::string status_text =
        text_or_note(dpkg_dir->get(), "status", k_max_status_bytes, notes, status_read);
    size_t bad_paragraphs = 0;
    std::map<std::string, DpkgPackage> by_stem;
    for (auto& p : parse_dpkg_status(status_text, &bad_paragraphs)) {
        // .list files of Multi-Arch: same packages carry the architecture; others do not.
        std::string key = p.name + ":" + p.architecture;
        by_stem.try_emplace(p.name, p);
        by_stem.insert_or_assign(std::move(key), std::move(p));
    }
    if (bad_paragraphs)
        notes.push_back(
            fmt::format("dpkg: status: {} paragraph(s) without Package", bad_paragraphs));

    bool diversions_read = false;
    const std::string div_text =
        text_or_note(dpkg_dir->get(), "diversions", k_max_list_bytes, notes, diversions_read);
    std::map<std::string, DpkgDiversion, std::less<>> diversions;  // by normalised from
    for (auto& d : parse_dpkg_diversions(div_text)) {
        d.from = norm.normalize(d.from);
        d.to = norm.normalize(d.to);
        src->m_diverted_from[d.to] = d.from;
        diversions[d.from] = std::move(d);
    }

    std::string error;
    auto entries = list_directory(info_fd, error, size_t{1} << 20);
    if (!error.empty()) notes.push_back("dpkg: info/: " + error);
    size_t unreadable = 0;
    size_t bad_lines = 0;
    std::string path;  // one buffer for every listed path
    // About one path per 50 bytes of .list text: one allocation instead of doubling growth
    // (which would briefly hold the table twice at the peak).
    table.owners.reserve(table.owners.size() + entries.size() * 200);
    for (const auto& entry : entries) {
        // Regular files only: a planted symlink must not make irsnap read elsewhere.
        if (entry.type != EntryType::regular || !entry.name.ends_with(".list")) continue;
        const std::string stem = entry.name.substr(0, entry.name.size() - 5);
        bool truncated = false;
        auto text = posix::read_file_at(info_fd, entry.name, k_max_list_bytes, &truncated);
        if (!text) {
            ++unreadable;
            continue;
        }
        if (truncated)
            notes.push_back(
                fmt::format("dpkg: info/{} cut at {} bytes", entry.name, k_max_list_bytes));
        const auto id = static_cast<uint32_t>(table.packages.size());
        PackageRef ref;
        ref.source = source;
        ref.local = static_cast<uint32_t>(src->m_entries.size());
        DpkgEntry local{stem, {}};
        auto it = by_stem.find(stem);
        const std::string name = stem.substr(0, stem.find(':'));
        ref.name = stem;
        if (it != by_stem.end()) {
            ref.version = it->second.version;
            local.conffiles = std::move(it->second.conffiles);
        }
        table.packages.push_back(std::move(ref));
        src->m_entries.push_back(std::move(local));
        bad_lines += for_each_dpkg_list_path(*text, [&](std::string_view listed) {
            norm.normalize_into(listed, path);
            uint32_t diverted = 0;
            std::string_view at = path;
            if (!diversions.empty()) {
                if (auto d = diversions.find(at);
                    d != diversions.end() && d->second.package != name) {
                    // Another package (or the administrator) diverted this file: it lives at
                    // `to`.
                    at = d->second.to;
                    diverted = 1;
                }
            }
            table.add(path_key(at), id, diverted);
        });
    }
    if (unreadable)
        notes.push_back(fmt::format("dpkg: {} info/*.list file(s) not readable", unreadable));
    if (bad_lines) notes.push_back(fmt::format("dpkg: {} malformed .list line(s)", bad_lines));
    if (!status_read) notes.push_back("dpkg: no status file: versions and conffiles unknown");
    return src;
}

}  // namespace irsnap::packages
