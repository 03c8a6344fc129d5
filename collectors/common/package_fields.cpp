// SPDX-License-Identifier: Apache-2.0
#include "common/package_fields.hpp"

#include <nlohmann/json.hpp>

namespace irsnap::collectors {

std::vector<FieldSpec> package_field_specs(const std::string& prefix, const std::string& what) {
    const std::vector<std::string> linux_only{"linux"};
    const std::string& p = prefix;
    return {
        {p + "package", "string",
         "Package that installed " + what +
             " (dpkg name[:arch], rpm or apk name); null when "
             "unowned or not checked.",
         linux_only},
        {p + "package_version", "string", "That package's version.", linux_only},
        {p + "package_manager", "string", "dpkg | rpm | apk.", linux_only},
        {p + "package_verdict", "string",
         "verified (same digest as the package recorded), modified (differs: a trojaned or "
         "patched copy), config (a configuration file that differs, as administrators change "
         "them), unowned (no package lists the path), unknown (no database, not hashed, no "
         "digest recorded, deleted, or in a container's root: see package_note).",
         linux_only},
        {p + "package_algorithm", "string",
         "Digest the package records: md5 (dpkg), sha1 (apk), sha256 (rpm).", linux_only},
        {p + "package_digest", "string", "Digest the package recorded for the path (hex).",
         linux_only},
        {p + "package_file_digest", "string",
         "The file's digest in package_algorithm, from the same read as its SHA-256.", linux_only},
        {p + "package_note", "string", "Why the verdict is unknown, or a diversion.", linux_only},
    };
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
        for (const auto& f : package_field_specs(prefix, "")) record[f.name] = nullptr;
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
