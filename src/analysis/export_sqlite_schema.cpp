// SPDX-License-Identifier: Apache-2.0
// The SQLite schema: collector tables follow the collector specs, so a field added to a spec is
// a column without a change here, and the stacking indexes are data checked against the specs.
#include <algorithm>

#include "irsnap/export.hpp"

namespace irsnap::exports {

SqlColumn sql_column(const FieldSpec& field) {
    if (field.type == "string") return {field.name, "TEXT", false};
    // SQLite has no boolean: 0 and 1, as json_extract gives them back.
    if (field.type == "integer" || field.type == "boolean") return {field.name, "INTEGER", false};
    if (field.type == "number") return {field.name, "REAL", false};
    // Arrays and objects as JSON text. Declared TEXT, not JSON: SQLite would give an unknown
    // type name NUMERIC affinity and turn a JSON text that looks like a number into one.
    return {field.name, "TEXT", true};
}

SqlTable sql_table(const CollectorSpec& spec) {
    SqlTable table{spec.name, {}};
    table.columns.push_back({std::string(k_sql_host_id), "INTEGER", false});
    table.columns.push_back({std::string(k_sql_bundle_id), "INTEGER", false});
    table.columns.push_back({std::string(k_sql_line), "INTEGER", false});
    for (const FieldSpec& field : spec.fields) {
        const bool taken = std::any_of(table.columns.begin(), table.columns.end(),
                                       [&](const SqlColumn& c) { return c.name == field.name; });
        if (taken || field.name == k_sql_extra) continue;
        table.columns.push_back(sql_column(field));
    }
    table.columns.push_back({std::string(k_sql_extra), "TEXT", true});
    return table;
}

std::string sql_table_name(std::string_view collector) {
    constexpr std::string_view k_encoded = "artifact_";
    const auto plain_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    bool plain = !collector.empty() && collector[0] >= 'a' && collector[0] <= 'z';
    for (char c : collector) plain = plain && (plain_char(c) || c == '_');
    const auto& fixed = fixed_table_names();
    plain = plain && !collector.starts_with("sqlite_") && !collector.starts_with(k_encoded) &&
            std::find(fixed.begin(), fixed.end(), collector) == fixed.end();
    if (plain) return std::string(collector);
    // Injective: [a-z0-9] stay, every other byte (uppercase and '_' included) becomes _hh. Only
    // lowercase comes out, so two names SQLite (case-insensitive) would confuse never do.
    std::string name(k_encoded);
    constexpr char k_hex[] = "0123456789abcdef";
    for (char c : collector) {
        if (plain_char(c)) {
            name.push_back(c);
        } else {
            const auto u = static_cast<unsigned char>(c);
            name.push_back('_');
            name.push_back(k_hex[u >> 4]);
            name.push_back(k_hex[u & 15]);
        }
    }
    return name;
}

const std::vector<std::string_view>& fixed_table_names() {
    static const std::vector<std::string_view> k_names = {"export_info",     "hosts",   "bundles",
                                                          "collector_runs",  "custody", "findings",
                                                          "specimen_sources"};
    return k_names;
}

const std::vector<SqlIndex>& stacking_indexes() {
    // host_id last in each: "on how many hosts" (COUNT(DISTINCT host_id) ... GROUP BY key) is
    // then answered from the index alone, without visiting the rows.
    static const std::vector<SqlIndex> k_indexes = {
        {"processes", {"exe_sha256", "host_id"}},
        {"processes", {"exe_path", "host_id"}},
        {"processes", {"name", "host_id"}},
        {"processes", {"bundle_id", "pid"}},
        {"modules", {"sha256", "host_id"}},
        {"modules", {"path", "host_id"}},
        {"modules", {"bundle_id", "pid"}},
        {"network", {"remote_address", "remote_port", "host_id"}},
        {"network", {"remote_port", "host_id"}},
        {"network", {"state", "local_port", "host_id"}},
        {"handles", {"bundle_id", "pid"}},
        {"autoruns", {"source_path", "host_id"}},
        {"autoruns", {"category", "host_id"}},
        {"autoruns", {"target_sha256", "host_id"}},
        {"kernel_modules", {"name", "host_id"}},
        {"kernel_modules", {"sha256", "host_id"}},
        {"samples", {"sha256", "host_id"}},
        {"specimen_sources", {"bundle_id", "pid"}},
        {"specimen_sources", {"path", "host_id"}},
        {"findings", {"rule_id", "host_id"}},
        {"findings", {"bundle_id"}},
    };
    return k_indexes;
}

}  // namespace irsnap::exports
