// SPDX-License-Identifier: Apache-2.0
// `irsnap export --format sqlite`: bundles into one database, one transaction per bundle, one
// prepared INSERT per table. Built for speed over durability while it is written (no journal on
// disk, no fsync): a failed export is deleted by the command, never used half-written.
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "build_info.hpp"
#include "export_internal.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/clock_sampling.hpp"
#include "irsnap/export.hpp"
#include "irsnap/registry.hpp"
#include "irsnap/triage.hpp"
#include "irsnap/untrusted_json.hpp"
#include "sqlite_db.hpp"

namespace irsnap::exports {
namespace {

using detail::sql_identifier;
using detail::SqliteDb;
using detail::Statement;
using nlohmann::json;

constexpr std::string_view k_schema_id = "irsnap.sqlite/1";

// Tables that are not a collector's. Columns named after the manifest's fields where there is
// one; `by`/`to` are SQL keywords, hence by_name/to_name.
constexpr std::string_view k_fixed_schema = R"sql(
CREATE TABLE export_info (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE hosts (
  host_id INTEGER PRIMARY KEY, hostname TEXT NOT NULL UNIQUE,
  fqdn TEXT, machine_id TEXT, os TEXT, kernel TEXT, architecture TEXT,
  bundles INTEGER NOT NULL DEFAULT 0, last_collected TEXT);
CREATE TABLE bundles (
  bundle_id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL REFERENCES hosts(host_id),
  bundle TEXT, source TEXT, hostname TEXT, collected TEXT, collected_end TEXT,
  run_status TEXT, verified INTEGER, verify_note TEXT,
  case_id TEXT, evidence_id TEXT, examiner TEXT,
  os TEXT, kernel TEXT, machine_id TEXT, boot_id TEXT, boot_time TEXT, tool_version TEXT,
  records INTEGER, skipped_lines INTEGER, findings INTEGER, manifest TEXT);
CREATE TABLE collector_runs (
  bundle_id INTEGER, host_id INTEGER, collector TEXT, rank INTEGER, status TEXT, message TEXT,
  records INTEGER, error_count INTEGER, races INTEGER, coverage TEXT, errors TEXT,
  started TEXT, ended TEXT, duration_ms REAL, artifact TEXT);
CREATE TABLE custody (
  bundle_id INTEGER, host_id INTEGER, source TEXT, line INTEGER, sequence INTEGER,
  event TEXT, time TEXT, by_name TEXT, to_name TEXT, recorded_host TEXT, user TEXT, note TEXT,
  record TEXT);
CREATE TABLE findings (
  finding_id INTEGER PRIMARY KEY, bundle_id INTEGER, host_id INTEGER,
  rule_id TEXT, title TEXT, urgency TEXT, confidence TEXT, attack TEXT, why TEXT,
  collector TEXT, artifact TEXT, line INTEGER, evidence TEXT, specimens TEXT, memory TEXT);
CREATE TABLE specimen_sources (
  bundle_id INTEGER, host_id INTEGER, artifact_line INTEGER, sha256 TEXT, source INTEGER,
  kind TEXT, pid INTEGER, process TEXT, handle TEXT, path TEXT, read_via TEXT);
)sql";

/// One collector's table and its INSERT.
struct TableWriter {
    bool generic = false;  ///< a collector this build does not know: the record as JSON
    std::unordered_map<std::string, int> params;  ///< field -> parameter index
    std::set<int> integer_params;                 ///< parameters of INTEGER columns
    int extra_param = 0;
    std::set<std::string, std::less<>> columns;
    Statement insert;
};

/// `value`, or null when it is an unsigned integer beyond SQLite's signed 64 bits: an INTEGER
/// column would turn it into a REAL. The row's JSON column (bundles.manifest, custody.record)
/// keeps the exact digits.
json fits_integer_column(json value) {
    if (value.is_number_unsigned() &&
        value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return nullptr;
    }
    return value;
}

std::string placeholders(size_t n) {
    std::string out;
    for (size_t i = 1; i <= n; ++i) out += (i > 1 ? ",?" : "?") + std::to_string(i);
    return out;
}

}  // namespace

struct SqliteExport::Impl {
    Impl(const std::filesystem::path& file, SqliteOptions opts) : db(file), options(opts) {}

    SqliteDb db;
    SqliteOptions options;
    std::map<std::string, TableWriter, std::less<>> tables;
    std::set<std::string, std::less<>> triage_needs;
    bool finished = false;

    Statement host_insert, host_select, host_count, host_update;
    Statement bundle_insert, bundle_update;
    Statement run_insert, custody_insert, finding_insert, source_insert;

    void create_schema();
    TableWriter& create_table(const std::string& table, const SqlTable* spec);
    TableWriter* table_for(std::string_view collector, std::vector<std::string>& created);
    int64_t host_id(const std::string& hostname);
    void insert_row(TableWriter& table, int64_t host, int64_t bundle_id, uint64_t line,
                    const json& record);
    void insert_sources(int64_t host, int64_t bundle_id, uint64_t line, const json& record);
    void store_manifest(int64_t bundle_id, int64_t host, const BundleExport& result,
                        const json& manifest, size_t findings);
    void store_runs(int64_t bundle_id, int64_t host, const json& manifest);
    void store_custody(int64_t bundle_id, int64_t host, const json& manifest,
                       const std::filesystem::path& bundle);
    size_t store_findings(int64_t bundle_id, int64_t host,
                          const std::vector<triage::Finding>& findings);
};

void SqliteExport::Impl::create_schema() {
    // The journal lives in memory (ROLLBACK of a bundle still works) and nothing is fsynced:
    // the file is a derived product, rebuilt from the bundles if anything goes wrong.
    db.exec(
        "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
        "PRAGMA cache_size=-65536; PRAGMA foreign_keys=OFF;");
    db.exec("BEGIN");
    db.exec(k_fixed_schema);
    Statement info(db, "INSERT INTO export_info VALUES (?1, ?2)");
    info.bind(1, std::string_view("schema")).bind(2, k_schema_id).run();
    info.bind(1, std::string_view("tool_version")).bind(2, std::string_view(build::k_version));
    info.run();
    info.bind(1, std::string_view("created"))
        .bind(2, format_rfc3339_utc(sample_clocks().realtime_ns))
        .run();
    // Every known collector has its table even when no bundle has its artifact, so queries
    // written for one export run on every other.
    for (const Collector& c : registered_collectors()) {
        const SqlTable table = sql_table(c.spec());
        create_table(table.name, &table);
    }
    db.exec("COMMIT");

    host_insert = Statement(db,
                            "INSERT INTO hosts(hostname) VALUES (?1) "
                            "ON CONFLICT(hostname) DO NOTHING");
    host_select = Statement(db, "SELECT host_id FROM hosts WHERE hostname = ?1");
    host_count = Statement(db, "UPDATE hosts SET bundles = bundles + 1 WHERE host_id = ?1");
    // A host's attributes are those of its most recently collected bundle.
    host_update = Statement(db,
                            "UPDATE hosts SET fqdn = ?2, machine_id = ?3, os = ?4, kernel = ?5, "
                            "architecture = ?6, last_collected = ?7 "
                            "WHERE host_id = ?1 AND IFNULL(last_collected, '') <= ?7");
    bundle_insert = Statement(
        db, "INSERT INTO bundles(host_id, bundle, source, hostname) VALUES (?1, ?2, ?3, ?4)");
    bundle_update = Statement(
        db,
        "UPDATE bundles SET bundle = ?2, hostname = ?3, collected = ?4, collected_end = ?5, "
        "run_status = ?6, verified = ?7, verify_note = ?8, case_id = ?9, evidence_id = ?10, "
        "examiner = ?11, os = ?12, kernel = ?13, machine_id = ?14, boot_id = ?15, "
        "boot_time = ?16, tool_version = ?17, records = ?18, skipped_lines = ?19, "
        "findings = ?20, manifest = ?21 WHERE bundle_id = ?1");
    run_insert = Statement(db, "INSERT INTO collector_runs VALUES (" + placeholders(15) + ")");
    custody_insert = Statement(db, "INSERT INTO custody VALUES (" + placeholders(13) + ")");
    finding_insert =
        Statement(db,
                  "INSERT INTO findings(bundle_id, host_id, rule_id, title, urgency, confidence, "
                  "attack, why, collector, artifact, line, evidence, specimens, memory) VALUES (" +
                      placeholders(14) + ")");
    source_insert = Statement(db, "INSERT INTO specimen_sources VALUES (" + placeholders(11) + ")");
    for (const auto& name : triage::needed_collectors()) triage_needs.insert(name);
}

TableWriter& SqliteExport::Impl::create_table(const std::string& table, const SqlTable* spec) {
    TableWriter w;
    std::string ddl = "CREATE TABLE " + sql_identifier(table) + " (";
    size_t count = 0;
    auto add = [&](const std::string& name, const std::string& type) {
        ddl += (count ? ", " : "") + sql_identifier(name) + " " + type;
        w.columns.insert(name);
        return static_cast<int>(++count);
    };
    if (spec != nullptr) {
        for (const SqlColumn& c : spec->columns) {
            const int index = add(c.name, c.sql_type);
            if (c.name == k_sql_extra) {
                w.extra_param = index;
            } else if (index > 3) {
                w.params.emplace(c.name, index);
                if (c.sql_type == "INTEGER") w.integer_params.insert(index);
            }
        }
    } else {
        w.generic = true;
        add(std::string(k_sql_host_id), "INTEGER");
        add(std::string(k_sql_bundle_id), "INTEGER");
        add(std::string(k_sql_line), "INTEGER");
        add("record", "TEXT");
    }
    db.exec(ddl + ")");
    w.insert = Statement(
        db, "INSERT INTO " + sql_identifier(table) + " VALUES (" + placeholders(count) + ")");
    return tables.insert_or_assign(table, std::move(w)).first->second;
}

/// The table for a collector's lines; a collector this build does not know gets a generic
/// table, named by sql_table_name().
TableWriter* SqliteExport::Impl::table_for(std::string_view collector,
                                           std::vector<std::string>& created) {
    const std::string name = sql_table_name(collector);
    auto it = tables.find(name);
    if (it != tables.end()) return &it->second;
    created.push_back(name);
    return &create_table(name, nullptr);
}

int64_t SqliteExport::Impl::host_id(const std::string& hostname) {
    host_insert.bind(1, hostname).run();
    host_select.bind(1, hostname);
    if (!host_select.step()) throw ExportError("host row missing after insert");
    const int64_t id = host_select.column_int64(0);
    host_select.reset();
    return id;
}

void SqliteExport::Impl::insert_row(TableWriter& table, int64_t host, int64_t bundle_id,
                                    uint64_t line, const json& record) {
    Statement& ins = table.insert;
    ins.bind(1, host).bind(2, bundle_id).bind(3, static_cast<int64_t>(line));
    if (table.generic) {
        ins.bind_json(4, record);
    } else {
        json extra;  // fields the spec does not declare; stays null (no allocation) without any
        for (auto it = record.begin(); it != record.end(); ++it) {
            auto p = table.params.find(it.key());
            // An INTEGER column holds signed 64-bit values only; a larger unsigned one (only a
            // crafted or corrupt record has one) would become a REAL there, so the column is
            // NULL and `extra` keeps its exact digits.
            if (p != table.params.end() &&
                (!it.value().is_number_unsigned() || !table.integer_params.count(p->second) ||
                 it.value().get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX))) {
                ins.bind_json(p->second, it.value());
            } else {
                extra[it.key()] = it.value();
            }
        }
        if (!extra.is_null()) ins.bind_json(table.extra_param, extra);
    }
    ins.run();
}

/// One row per source of a specimen (a `samples` record's `sources`), so "which specimens did
/// pid N run or hold" and "on which hosts was this content seen, and as what" are plain joins.
void SqliteExport::Impl::insert_sources(int64_t host, int64_t bundle_id, uint64_t line,
                                        const json& record) {
    auto sources = record.find("sources");
    if (sources == record.end() || !sources->is_array()) return;
    const json sha =
        record.contains("sha256") && record["sha256"].is_string() ? record["sha256"] : json();
    int64_t index = 0;
    for (const json& s : *sources) {
        ++index;
        if (!s.is_object()) continue;
        auto text_at = [&](const char* key) {
            auto it = s.find(key);
            return it != s.end() && it->is_string() ? *it : json();
        };
        auto pid = s.find("pid");
        source_insert.bind(1, bundle_id).bind(2, host).bind(3, static_cast<int64_t>(line));
        source_insert.bind_json(4, sha).bind(5, index).bind_json(6, text_at("kind"));
        if (pid != s.end() && pid->is_number_integer()) {
            source_insert.bind_json(7, fits_integer_column(*pid));
        }
        source_insert.bind_json(8, text_at("process")).bind_json(9, text_at("handle"));
        source_insert.bind_json(10, text_at("path")).bind_json(11, text_at("read_via"));
        source_insert.run();
    }
}

void SqliteExport::Impl::store_runs(int64_t bundle_id, int64_t host, const json& manifest) {
    if (!manifest.is_object() || !manifest.contains("collectors")) return;
    for (const json& c : manifest["collectors"]) {
        if (!c.is_object()) continue;
        auto at = [&](const char* key) { return c.contains(key) ? c[key] : json(); };
        auto integer_at = [&](const char* key) { return fits_integer_column(at(key)); };
        run_insert.bind(1, bundle_id).bind(2, host).bind_json(3, at("name"));
        run_insert.bind_json(4, integer_at("rank")).bind_json(5, at("status"));
        run_insert.bind_json(6, at("message"));
        run_insert.bind_json(7, integer_at("records")).bind_json(8, integer_at("error_count"));
        run_insert.bind_json(9, integer_at("races")).bind_json(10, at("coverage"));
        run_insert.bind_json(11, at("errors"));
        run_insert.bind(12, manifest_text(c, {"start", "realtime"}));
        run_insert.bind(13, manifest_text(c, {"end", "realtime"}));
        run_insert.bind_json(14, at("duration_ms")).bind_json(15, at("artifact"));
        run_insert.run();
    }
}

void SqliteExport::Impl::store_custody(int64_t bundle_id, int64_t host, const json& manifest,
                                       const std::filesystem::path& bundle) {
    auto store = [&](std::string_view source, uint64_t line, const json& e) {
        auto at = [&](const char* key) { return e.contains(key) ? e[key] : json(); };
        custody_insert.bind(1, bundle_id).bind(2, host).bind(3, source);
        if (line) custody_insert.bind(4, static_cast<int64_t>(line));
        custody_insert.bind_json(5, fits_integer_column(at("sequence")));
        custody_insert.bind_json(6, e.contains("event") ? e["event"] : at("action"));
        custody_insert.bind_json(7, at("time")).bind_json(8, at("by")).bind_json(9, at("to"));
        custody_insert.bind_json(10, at("host")).bind_json(11, at("user"));
        custody_insert.bind_json(12, at("note")).bind_json(13, e);
        custody_insert.run();
    };
    if (manifest.is_object() && manifest.contains("custody") && manifest["custody"].is_array()) {
        for (const json& e : manifest["custody"]) {
            if (e.is_object()) store("manifest.json", 0, e);
        }
    }
    for (const auto& c : detail::read_custody_log(bundle)) {
        if (c.event.is_object()) store("custody.jsonl", c.line, c.event);
    }
}

size_t SqliteExport::Impl::store_findings(int64_t bundle_id, int64_t host,
                                          const std::vector<triage::Finding>& findings) {
    for (const triage::Finding& f : findings) {
        finding_insert.bind(1, bundle_id).bind(2, host).bind(3, f.rule_id).bind(4, f.title);
        finding_insert.bind(5, triage::to_string(f.urgency));
        finding_insert.bind(6, triage::to_string(f.confidence));
        if (!f.attack.empty()) finding_insert.bind(7, f.attack);
        finding_insert.bind(8, f.why);
        if (!f.evidence.empty()) {
            finding_insert.bind(9, collector_of_artifact(f.evidence.front().artifact));
            finding_insert.bind(10, f.evidence.front().artifact);
            finding_insert.bind(11, static_cast<int64_t>(f.evidence.front().line));
        }
        const json as_json = triage::to_json(f);
        finding_insert.bind_json(12, as_json["evidence"]);
        if (as_json.contains("specimens")) finding_insert.bind_json(13, as_json["specimens"]);
        if (as_json.contains("memory")) finding_insert.bind_json(14, as_json["memory"]);
        finding_insert.run();
    }
    return findings.size();
}

void SqliteExport::Impl::store_manifest(int64_t bundle_id, int64_t host, const BundleExport& result,
                                        const json& m, size_t findings) {
    const BundleSummary& s = result.summary;
    auto t = [&](std::initializer_list<const char*> keys) { return manifest_text(m, keys); };
    bundle_update.bind(1, bundle_id).bind(2, s.name).bind(3, s.host).bind(4, s.collected);
    bundle_update.bind(5, t({"clock", "end", "realtime"})).bind(6, s.status);
    bundle_update.bind(7, int64_t{s.verified ? 1 : 0}).bind(8, s.verify_note);
    bundle_update.bind(9, t({"case", "case_id"})).bind(10, t({"case", "evidence_id"}));
    bundle_update.bind(11, t({"case", "examiner"})).bind(12, t({"host", "os", "name"}));
    bundle_update.bind(13, t({"host", "kernel", "release"})).bind(14, t({"host", "machine_id"}));
    bundle_update.bind(15, t({"host", "boot_id"})).bind(16, t({"host", "boot_time"}));
    bundle_update.bind(17, t({"tool", "version"}));
    bundle_update.bind(18, static_cast<int64_t>(result.records));
    bundle_update.bind(19, static_cast<int64_t>(result.skipped_lines));
    bundle_update.bind(20, static_cast<int64_t>(findings));
    bundle_update.bind_json(21, m);
    bundle_update.run();

    host_count.bind(1, host).run();
    host_update.bind(1, host).bind(2, t({"host", "fqdn"})).bind(3, t({"host", "machine_id"}));
    host_update.bind(4, t({"host", "os", "name"})).bind(5, t({"host", "kernel", "release"}));
    host_update.bind(6, t({"host", "architecture"})).bind(7, s.collected);
    host_update.run();
}

SqliteExport::SqliteExport(const std::filesystem::path& file, SqliteOptions options)
    : m(std::make_unique<Impl>(file, options)) {
    m->create_schema();
}

SqliteExport::~SqliteExport() = default;

BundleExport SqliteExport::add(const std::filesystem::path& bundle) {
    BundleExport result;
    const detail::BundleIdentity id = detail::peek_bundle(bundle);
    m->db.exec("BEGIN");
    std::vector<std::string> created;
    try {
        const int64_t host = m->host_id(id.host);
        m->bundle_insert.bind(1, host).bind(2, id.name).bind(3, bundle.string()).bind(4, id.host);
        m->bundle_insert.run();
        const int64_t bundle_id = m->db.last_insert_rowid();

        // Rules see each record as it is stored: nothing of the bundle is held for them.
        std::optional<triage::Runner> runner;
        if (m->options.findings) runner.emplace();
        triage::Record record;
        TableWriter* table = nullptr;
        std::string artifact;
        bool keep_for_triage = false;
        bool specimens = false;
        result.summary = read_bundle(bundle, {}, [&](const BundleLine& line) {
            if (table == nullptr || line.artifact != artifact) {
                artifact = line.artifact;
                table = m->table_for(line.collector, created);
                keep_for_triage = m->options.findings && m->triage_needs.count(line.collector);
                specimens = line.collector == triage::k_specimen_collector && !table->generic;
            }
            json r = parse_untrusted_json(line.text);
            if (!r.is_object()) {
                ++result.skipped_lines;
                return;
            }
            m->insert_row(*table, host, bundle_id, line.line, r);
            if (specimens) m->insert_sources(host, bundle_id, line.line, r);
            ++result.records;
            if (keep_for_triage) {
                if (record.artifact != artifact) record.artifact = artifact;
                record.line = line.line;
                record.value = std::move(r);
                runner->add(line.collector, record);
            }
        });
        if (!result.summary.error.empty()) {
            // Nothing of an unreadable bundle stays, not even its row in bundles.
            m->db.exec("ROLLBACK");
            for (const auto& name : created) m->tables.erase(name);
            return result;
        }
        if (!detail::same_bundle(id, result.summary)) detail::note_changed(result.summary);
        if (runner) {
            record.value = nullptr;
            result.findings =
                m->store_findings(bundle_id, host,
                                  runner->finish(triage::Context{result.summary.collected_unix_ns,
                                                                 m->options.recent_days}));
        }
        m->store_runs(bundle_id, host, id.manifest);
        m->store_custody(bundle_id, host, id.manifest, bundle);
        m->store_manifest(bundle_id, host, result, id.manifest, result.findings);
        m->db.exec("COMMIT");
    } catch (...) {
        // The export is abandoned (the command deletes the file); leave SQLite consistent.
        try {
            m->db.exec("ROLLBACK");
        } catch (const ExportError&) {  // NOLINT(bugprone-empty-catch): the first error wins
        }
        throw;
    }
    return result;
}

void SqliteExport::finish() {
    if (m->finished) return;
    m->finished = true;
    m->db.exec("BEGIN");
    for (const SqlIndex& index : stacking_indexes()) {
        auto it = m->tables.find(index.table);
        if (it != m->tables.end()) {
            bool complete = true;
            for (auto c : index.columns) complete = complete && it->second.columns.count(c);
            if (!complete) continue;  // the spec changed; the unit tests say which
        }
        std::string name = fmt::format("idx_{}", index.table);
        std::string columns;
        for (auto c : index.columns) {
            name += fmt::format("_{}", c);
            columns += fmt::format("{}{}", columns.empty() ? "" : ", ", sql_identifier(c));
        }
        m->db.exec(fmt::format("CREATE INDEX {} ON {} ({})", sql_identifier(name),
                               sql_identifier(index.table), columns));
    }
    m->db.exec("COMMIT");
    // Statistics for the query planner: with them, a join of findings to processes or a
    // stacking query picks the index instead of a scan.
    m->db.exec("ANALYZE");
    m->host_insert = {};
    m->host_select = {};
    m->host_count = {};
    m->host_update = {};
    m->bundle_insert = {};
    m->bundle_update = {};
    m->run_insert = {};
    m->custody_insert = {};
    m->finding_insert = {};
    m->source_insert = {};
    m->tables.clear();
    m->db.close();
}

}  // namespace irsnap::exports
