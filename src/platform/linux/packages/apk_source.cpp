// SPDX-License-Identifier: Apache-2.0
// Alpine's apk database: one text file, /lib/apk/db/installed, with every package's files and
// their SHA-1s. Alpine hosts are small, so the whole of it is kept.
#include <fcntl.h>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/package_files.hpp"
#include "package_sources.hpp"

namespace irsnap::packages {
namespace {

// A large Alpine host lists a few MB; the parsed copy costs a few times the text.
constexpr size_t k_max_installed_bytes = size_t{32} << 20;

class ApkSource final : public Source {
  public:
    std::string_view manager() const override { return "apk"; }
    DigestTable digests(uint32_t local, std::string& note) const override {
        (void)note;
        DigestTable table;
        for (const auto& f : m_packages.at(local).files) {
            if (f.digest.empty()) continue;
            const uint64_t key = path_key(f.path);
            table.try_emplace(key, RecordedDigest{f.path, f.digest, "sha1", false});
        }
        return table;
    }
    std::vector<ApkPackage> m_packages;
};

}  // namespace

std::unique_ptr<Source> read_apk(int root_fd, const PathNormalizer& norm, uint16_t source,
                                 OwnerTable& table, std::vector<std::string>& notes) {
    auto dir = posix::open_in_root(root_fd, "lib/apk/db", O_DIRECTORY);
    if (!dir) return nullptr;
    bool truncated = false;
    auto text = posix::read_file_at(dir->get(), "installed", k_max_installed_bytes, &truncated);
    if (!text) {
        if (text.error().code != ENOENT) {
            notes.push_back("apk: lib/apk/db/installed not read: " + text.error().message);
        }
        return nullptr;
    }
    if (truncated) notes.push_back("apk: lib/apk/db/installed cut at the size cap");
    auto src = std::make_unique<ApkSource>();
    size_t bad = 0;
    src->m_packages = parse_apk_installed(*text, &bad);
    if (bad) notes.push_back(fmt::format("apk: installed: {} malformed line(s)", bad));
    for (auto& p : src->m_packages) {
        const auto id = static_cast<uint32_t>(table.packages.size());
        table.packages.push_back(
            {p.name, p.version, source, static_cast<uint32_t>(&p - src->m_packages.data())});
        for (auto& f : p.files) {
            f.path = norm.normalize(f.path);
            table.add(path_key(f.path), id, 0);
        }
    }
    return src;
}

}  // namespace irsnap::packages
