// SPDX-License-Identifier: Apache-2.0
#include "common/package_fields.hpp"

#include <array>

#include <nlohmann/json.hpp>

namespace irsnap::collectors {
namespace {

/// The fields' names after the prefix, in spec order: one list for the specs and the nulls.
constexpr std::array<const char*, 8> k_package_fields = {
    "package",           "package_version", "package_manager",     "package_verdict",
    "package_algorithm", "package_digest",  "package_file_digest", "package_note"};

}  // namespace

std::vector<FieldSpec> package_field_specs(const std::string& prefix, const std::string& what) {
    const std::array<std::string, k_package_fields.size()> descriptions = {
        "Package that installed " + what +
            " (dpkg name[:arch], rpm or apk name); null when unowned or not checked.",
        "That package's version.",
        "dpkg | rpm | apk.",
        "verified (same digest as the package recorded), modified (differs: a trojaned or "
        "patched copy), config (a configuration file that differs, as administrators change "
        "them), unowned (no package lists the path), unknown (no database, not hashed, no "
        "digest recorded, deleted, or in a container's root: see package_note).",
        "Digest the package records: md5 (dpkg), sha1 (apk), sha256 (rpm).",
        "Digest the package recorded for the path (hex).",
        "The file's digest in package_algorithm, from the same read as its SHA-256.",
        "Why the verdict is unknown, or a diversion.",
    };
    std::vector<FieldSpec> specs;
    for (size_t i = 0; i < k_package_fields.size(); ++i) {
        specs.push_back({prefix + k_package_fields[i], "string", descriptions[i], {"linux"}});
    }
    return specs;
}

void put_package_nulls(nlohmann::json& record, const std::string& prefix) {
    for (const char* name : k_package_fields) record[prefix + name] = nullptr;
}

std::vector<FieldSpec> with_package_fields(std::vector<FieldSpec> fields, const std::string& prefix,
                                           const std::string& what) {
    auto extra = package_field_specs(prefix, what);
    auto at = fields.end();
    if (!fields.empty() && fields.back().name == "escaped_fields") at = fields.end() - 1;
    fields.insert(at, extra.begin(), extra.end());
    return fields;
}

void put_package_fields(nlohmann::json& r, const std::string& prefix, const PackageVerdict& v) {
    auto text = [](const std::string& s) {
        return s.empty() ? nlohmann::json() : nlohmann::json(s);
    };
    r[prefix + "package"] = text(v.package);
    r[prefix + "package_version"] = text(v.version);
    r[prefix + "package_manager"] = text(v.manager);
    r[prefix + "package_verdict"] = v.verdict;
    r[prefix + "package_algorithm"] = text(v.algorithm);
    r[prefix + "package_digest"] = text(v.package_digest);
    r[prefix + "package_file_digest"] = text(v.file_digest);
    r[prefix + "package_note"] = text(v.note);
}

void put_package_check(const Context& ctx, nlohmann::json& record, const std::string& prefix,
                       std::string_view path, const FileHash& digests, std::string_view skip) {
    const PackageIndex* index = ctx.packages();
    if (!index) {
        // --no-package-check: every field present and null, as for any value not read.
        put_package_nulls(record, prefix);
        return;
    }
    if (!skip.empty()) {
        PackageVerdict v;
        v.note = std::string(skip);
        put_package_fields(record, prefix, v);
        return;
    }
    const PackageVerdict v = index->check(path, digests);
    put_package_fields(record, prefix, v);
    // The samples collector copies what these verdicts make suspect (docs/specimens.md).
    if (v.verdict == "modified") {
        ctx.flag_package_file(std::string(path), "package_modified");
    } else if (v.verdict == "unowned" && in_system_directory(path) &&
               record.value("executable", true)) {
        ctx.flag_package_file(std::string(path), "unowned_system_file");
    }
}

}  // namespace irsnap::collectors
