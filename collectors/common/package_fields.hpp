// SPDX-License-Identifier: Apache-2.0
// The package fields a record gains for a file it names (docs/package-trust.md): the same set,
// under a prefix, on processes (exe_), modules (none), kernel_modules (file_) and autoruns
// (target_), so triage and stack read one shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "irsnap/collector.hpp"
#include "irsnap/package_index.hpp"

namespace irsnap::collectors {

/// Field specs (Linux only) for `prefix`; `what` names the file in descriptions ("the
/// executable").
std::vector<FieldSpec> package_field_specs(const std::string& prefix, const std::string& what);

/// Appends package_field_specs to `fields` before its escaped_fields entry (kept last).
std::vector<FieldSpec> with_package_fields(std::vector<FieldSpec> fields, const std::string& prefix,
                                           const std::string& what);

/// Sets every package field of `prefix` to null (a record with no file behind it).
void put_package_nulls(nlohmann::json& record, const std::string& prefix);

/// Whether a process runs in another root file system than the host root (a container): its
/// /usr/bin/bash is its image's, not a file of the host's packages.
class RootCheck {
  public:
    explicit RootCheck(const HostView& host);
    /// `pid_fd` is the process's /proc/PID directory; false when its root cannot be read.
    bool other_root(int pid_fd) const;

  private:
    std::optional<std::pair<uint64_t, uint64_t>> m_root;  ///< device and inode of the host root
};

/// Sets every package field of `prefix` from `v`.
void put_package_fields(nlohmann::json& record, const std::string& prefix, const PackageVerdict& v);

/// The verdict for a file the record names, or unknown with `skip` as the note when the file
/// cannot be compared (deleted, memfd, in a container's root): `skip` non-empty wins. Null
/// fields when the run does not check packages (--no-package-check).
void put_package_check(const Context& ctx, nlohmann::json& record, const std::string& prefix,
                       std::string_view path, const FileHash& digests, std::string_view skip);

}  // namespace irsnap::collectors
