// SPDX-License-Identifier: Apache-2.0
// The package index: every source's owner entries in one sorted table, digests read per
// package on first use, and the verdict for a file (docs/package-trust.md).
#include "irsnap/package_index.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "irsnap/linux/etc_files.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "package_sources.hpp"

namespace irsnap {
namespace packages {

uint64_t path_key(std::string_view path) {
    // Eight bytes a step (a database lists hundreds of thousands of paths); not a defence
    // against crafted collisions, which the path comparison before every digest check is.
    uint64_t h = 0xcbf29ce484222325ull ^ path.size();
    size_t i = 0;
    for (; i + 8 <= path.size(); i += 8) {
        uint64_t word = 0;
        std::memcpy(&word, path.data() + i, 8);
        h = (h ^ word) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    for (; i < path.size(); ++i) {
        h = (h ^ static_cast<unsigned char>(path[i])) * 0x100000001b3ull;
    }
    h ^= h >> 32;
    return h * 0xd6e8feb86659fd93ull;
}

PathNormalizer PathNormalizer::detect(int root_fd) {
    std::vector<std::string> merged;
    for (const char* dir : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
        auto target = posix::read_link_at(root_fd, dir);
        if (target &&
            (*target == std::string("usr/") + dir || *target == std::string("/usr/") + dir)) {
            merged.emplace_back(dir);
        }
    }
    return PathNormalizer(std::move(merged));
}

std::string PathNormalizer::normalize(std::string_view path) const {
    std::string out;
    normalize_into(path, out);
    return out;
}

void PathNormalizer::normalize_into(std::string_view path, std::string& out) const {
    out.clear();
    for (const auto& dir : m_merged) {
        if (path.size() > dir.size() + 1 && path[0] == '/' &&
            path.compare(1, dir.size(), dir) == 0 && path[dir.size() + 1] == '/') {
            out.assign("/usr");
            break;
        }
    }
    if (path.find("//") == std::string_view::npos) {
        out.append(path);  // the usual case: a plain copy
    } else {
        // Collapse "//" (a path built by string joining) so both sides agree.
        for (char c : path) {
            if (c == '/' && !out.empty() && out.back() == '/') continue;
            out.push_back(c);
        }
    }
    if (out.size() > 1 && out.back() == '/') out.pop_back();
}

namespace {

std::string_view file_digest_for(const FileHash& h, std::string_view algorithm) {
    if (algorithm == "md5") return h.md5;
    if (algorithm == "sha1") return h.sha1;
    if (algorithm == "sha256" && h.sha256) return *h.sha256;
    return {};
}

int verdict_rank(std::string_view v) {
    if (v == "verified") return 4;
    if (v == "modified") return 3;
    if (v == "config") return 2;
    return 1;
}

class LinuxPackageIndex final : public PackageIndex {
  public:
    PackageVerdict check(std::string_view path, const FileHash& digests) const override {
        PackageVerdict best;
        if (m_sources.empty()) {
            best.note = "no package database on this host";
            return best;
        }
        const std::string norm = m_norm.normalize(path);
        const uint64_t key = path_key(norm);
        auto [first, last] =
            std::equal_range(m_table.owners.begin(), m_table.owners.end(), Owner{key, 0, 0});
        if (first == last) {
            best.verdict = "unowned";
            return best;
        }
        for (auto it = first; it != last; ++it) {
            PackageVerdict v = against_owner(*it, norm, digests);
            if (best.package.empty() || verdict_rank(v.verdict) > verdict_rank(best.verdict)) {
                best = std::move(v);
            }
            if (best.verdict == "verified") break;
        }
        return best;
    }

    const PackageIndexSummary& summary() const override { return m_summary; }

    PackageIndexSummary m_summary;
    PathNormalizer m_norm;
    packages::OwnerTable m_table;
    std::vector<std::unique_ptr<Source>> m_sources;

  private:
    PackageVerdict against_owner(const Owner& owner, const std::string& path,
                                 const FileHash& digests) const {
        const PackageRef& ref = m_table.packages[owner.package];
        const Source& source = *m_sources[ref.source];
        PackageVerdict v;
        v.package = ref.name;
        v.version = ref.version;
        v.manager = std::string(source.manager());
        const std::string listed = owner.diverted ? source.listed_path(path) : path;
        if (owner.diverted) v.note = fmt::format("diverted by dpkg from {}", listed);
        const std::shared_ptr<const Loaded> loaded = digests_of(owner.package, source, ref.local);
        const DigestTable& table = loaded->table;
        auto it = table.find(path_key(listed));
        if (it == table.end() || it->second.path != listed) {
            // A key match whose path differs is a hash collision: the path is not this
            // package's file after all, but it is listed (the key is), so say unknown.
            v.note = loaded->note.empty() ? "the package records no digest for this path (a "
                                            "link, or a package without digests)"
                                          : loaded->note;
            return v;
        }
        const RecordedDigest& r = it->second;
        v.algorithm = r.algorithm;
        v.package_digest = r.hex;
        v.file_digest = std::string(file_digest_for(digests, r.algorithm));
        if (v.file_digest.empty()) {
            v.note = digests.sha256 ? "the file's " + r.algorithm + " was not computed"
                                    : "the file was not hashed";
            return v;
        }
        if (v.file_digest == r.hex) {
            v.verdict = "verified";
        } else {
            v.verdict = r.config ? "config" : "modified";
        }
        return v;
    }

    struct Loaded {
        DigestTable table;
        std::string note;
    };

    /// A package's digests, read on first use and kept: the files a run checks come from a
    /// few hundred packages. Past k_max_cached_digests entries the cache starts again (a
    /// hostile database cannot make it grow without bound); tables in use stay alive.
    std::shared_ptr<const Loaded> digests_of(uint32_t package, const Source& source,
                                             uint32_t local) const {
        std::lock_guard lock(m_mutex);
        auto it = m_digests.find(package);
        if (it != m_digests.end()) return it->second;
        auto loaded = std::make_shared<Loaded>();
        loaded->table = source.digests(local, loaded->note);
        if (m_cached_entries + loaded->table.size() > k_max_cached_digests) {
            m_digests.clear();
            m_cached_entries = 0;
        }
        m_cached_entries += loaded->table.size();
        m_digests.emplace(package, loaded);
        return loaded;
    }

    static constexpr size_t k_max_cached_digests = 1'000'000;
    mutable std::mutex m_mutex;
    mutable std::map<uint32_t, std::shared_ptr<const Loaded>> m_digests;
    mutable size_t m_cached_entries = 0;
};

/// The start of an open file (os-release is small; a planted huge one is cut).
std::string read_start(int fd, size_t cap) {
    std::string out(cap, '\0');
    size_t used = 0;
    while (used < cap) {
        const ssize_t n = ::read(fd, out.data() + used, cap - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        used += static_cast<size_t>(n);
    }
    out.resize(used);
    return out;
}

std::string distribution_of(int root_fd) {
    for (const char* path : {"etc/os-release", "usr/lib/os-release"}) {
        // Symlinks resolve inside the root (os-release is usually one, to ../usr/lib).
        auto fd = posix::open_in_root(root_fd, path);
        if (!fd) continue;
        struct ::stat st {};
        if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        auto kv = etc::parse_etc_os_release(read_start(fd->get(), 1 << 16));
        if (kv.count("PRETTY_NAME")) return kv["PRETTY_NAME"];
        return fmt::format("{} {}", kv["NAME"], kv["VERSION_ID"]);
    }
    return {};
}

}  // namespace
}  // namespace packages

unsigned package_digests_needed(const std::filesystem::path& host_root) {
    unsigned mask = 0;
    struct ::stat st {};
    if (::stat((host_root / "var/lib/dpkg/status").c_str(), &st) == 0 ||
        ::stat((host_root / "var/lib/dpkg/info").c_str(), &st) == 0) {
        mask |= k_package_md5;
    }
    if (::stat((host_root / "lib/apk/db/installed").c_str(), &st) == 0) mask |= k_package_sha1;
    return mask;
}

std::unique_ptr<PackageIndex> PackageIndex::build(const HostView& host) {
    using namespace packages;
    const auto start = std::chrono::steady_clock::now();
    auto index = std::make_unique<LinuxPackageIndex>();
    PackageIndexSummary& s = index->m_summary;
    auto root = posix::open_dir_at(AT_FDCWD, host.host_root.string());
    if (!root) {
        s.notes.push_back("host root not readable: " + root.error().message);
        return index;
    }
    const int root_fd = root->get();
    s.distribution = distribution_of(root_fd);
    index->m_norm = PathNormalizer::detect(root_fd);
    using Reader = std::unique_ptr<Source> (*)(int, const PathNormalizer&, uint16_t, OwnerTable&,
                                               std::vector<std::string>&);
    for (Reader read : {Reader{&read_dpkg}, Reader{&read_rpm}, Reader{&read_apk}}) {
        if (host.should_stop()) break;
        const auto number = static_cast<uint16_t>(index->m_sources.size());
        if (auto source = read(root_fd, index->m_norm, number, index->m_table, s.notes)) {
            s.managers.emplace_back(source->manager());
            index->m_sources.push_back(std::move(source));
        }
    }
    if (index->m_table.cut) {
        s.notes.push_back(
            fmt::format("the databases list more than {} paths: the rest were not "
                        "indexed and look unowned",
                        k_max_owner_entries));
    }
    std::sort(index->m_table.owners.begin(), index->m_table.owners.end());
    s.packages = index->m_table.packages.size();
    s.paths = index->m_table.paths;
    if (index->m_sources.empty()) s.notes.push_back("no package database found (dpkg, rpm, apk)");
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return index;
}

}  // namespace irsnap
