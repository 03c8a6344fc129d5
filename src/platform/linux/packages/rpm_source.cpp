// SPDX-License-Identifier: Apache-2.0
// rpm's database: every package's header from rpmdb.sqlite (rpm_db.hpp), its file list taken at
// build time and its digests read again, by package, when a file of it is first checked.
#include <fcntl.h>

#include <fmt/format.h>

#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/rpm_db.hpp"
#include "package_sources.hpp"

namespace irsnap::packages {
namespace {

class RpmSource final : public Source {
  public:
    RpmSource(UniqueFd dir, PathNormalizer norm) : m_dir(std::move(dir)), m_norm(std::move(norm)) {}
    std::string_view manager() const override { return "rpm"; }

    /// The database through the directory descriptor opened inside the root: a symlink on the
    /// way (var/lib/rpm -> /usr/lib/sysimage/rpm) never resolves on the analyst's own disk.
    std::filesystem::path db() const {
        return fmt::format("/proc/self/fd/{}/rpmdb.sqlite", m_dir.get());
    }

    DigestTable digests(uint32_t local, std::string& note) const override {
        DigestTable table;
        auto header = rpm::read_rpmdb_sqlite_package(db(), m_hnums.at(local));
        if (!header) {
            note = "rpm: package header not read: " + header.error().message;
            return table;
        }
        for (const auto& f : header->files) {
            if (f.digest.empty()) continue;
            std::string p = m_norm.normalize(f.path);
            const uint64_t key = path_key(p);
            table.try_emplace(key, RecordedDigest{std::move(p), f.digest, header->digest_algorithm,
                                                  (f.flags & rpm::k_file_config) != 0});
        }
        return table;
    }

    std::vector<int64_t> m_hnums;

  private:
    UniqueFd m_dir;
    PathNormalizer m_norm;
};

}  // namespace

std::unique_ptr<Source> read_rpm(int root_fd, const PathNormalizer& norm, uint16_t source,
                                 OwnerTable& table, std::vector<std::string>& notes) {
    // rpm >= 4.17 keeps it in /usr/lib/sysimage/rpm (Fedora 36+, SUSE), older in /var/lib/rpm.
    for (const char* where : {"usr/lib/sysimage/rpm", "var/lib/rpm"}) {
        auto dir = posix::open_in_root(root_fd, where, O_DIRECTORY);
        if (!dir) continue;
        const std::string at = fmt::format("/proc/self/fd/{}", dir->get());
        const std::string kind = rpm::rpmdb_kind(at);
        if (kind.empty()) continue;
        if (kind != "sqlite") {
            notes.push_back(fmt::format(
                "rpm: {} holds a {} database: rpm Berkeley DB and ndb databases are not "
                "supported (RHEL 7/8, older SUSE): rpm package verdicts are unknown",
                where, kind == "bdb" ? "Berkeley DB" : "ndb"));
            return nullptr;
        }
        auto src = std::make_unique<RpmSource>(std::move(*dir), norm);
        uint64_t bad = 0;
        auto read = rpm::for_each_rpmdb_sqlite_package(
            src->db(),
            [&](int64_t hnum, const rpm::RpmHeader& h) {
                const auto id = static_cast<uint32_t>(table.packages.size());
                std::string version = h.version + "-" + h.release;
                if (h.epoch) version = fmt::format("{}:{}", *h.epoch, version);
                table.packages.push_back(
                    {h.arch.empty() || h.arch == "noarch" ? h.name : h.name + "." + h.arch,
                     std::move(version), source, static_cast<uint32_t>(src->m_hnums.size())});
                src->m_hnums.push_back(hnum);
                for (const auto& f : h.files) {
                    table.add(path_key(norm.normalize(f.path)), id, 0);
                }
            },
            [&](int64_t, const ItemError&) { ++bad; });
        if (!read) {
            notes.push_back(
                fmt::format("rpm: {}/rpmdb.sqlite not read: {}", where, read.error().message));
            if (src->m_hnums.empty()) return nullptr;
        }
        if (bad) notes.push_back(fmt::format("rpm: {} package header(s) malformed", bad));
        return src;
    }
    return nullptr;
}

}  // namespace irsnap::packages
