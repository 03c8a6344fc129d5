// SPDX-License-Identifier: Apache-2.0
// Windows has no package database to compare files with: its images carry Authenticode
// signatures instead (the signed/signature fields). The index is empty and says so.
#include "irsnap/package_index.hpp"

namespace irsnap {
namespace {

class NoPackageIndex final : public PackageIndex {
  public:
    NoPackageIndex() { m_summary.notes.emplace_back("Windows: files are checked by Authenticode"); }
    PackageVerdict check(std::string_view path, const FileHash& digests) const override {
        (void)path;
        (void)digests;
        PackageVerdict v;
        v.note = "no package database on Windows";
        return v;
    }
    const PackageIndexSummary& summary() const override { return m_summary; }

  private:
    PackageIndexSummary m_summary;
};

}  // namespace

unsigned package_digests_needed(const std::filesystem::path& host_root) {
    (void)host_root;
    return 0;
}

std::unique_ptr<PackageIndex> PackageIndex::build(const HostView& host) {
    (void)host;
    return std::make_unique<NoPackageIndex>();
}

}  // namespace irsnap
