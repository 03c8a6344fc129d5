// SPDX-License-Identifier: Apache-2.0
// irsnap export over small hand-made bundles that verify (digests and custody chain computed
// here), so every value the exporters write can be checked against what the test planted.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fixture_util.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/export.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/registry.hpp"
#include "irsnap/triage.hpp"
#include "irsnap/verify.hpp"
#include "sqlite_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
namespace ex = irsnap::exports;
using nlohmann::json;

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << path;
}

/// A bundle as `irsnap collect` would leave it: artifacts, a manifest listing their digests,
/// manifest.json.sha256, and optionally custody.jsonl chained to the manifest. It verifies.
struct HandBundle {
    std::string name = "web01_20261122T000000Z";
    std::string host = "web01";
    std::string start = "2026-11-22T00:00:00.000000Z";
    std::string end = "2026-11-22T00:00:01.250000Z";
    std::vector<std::pair<std::string, std::string>> artifacts;  ///< file name, text
    /// Files listed in the manifest beside the records (records 0), as the samples
    /// collector's archive is: file name, bytes, and the collector whose attachment it is.
    struct Attachment {
        std::string file, bytes, collector;
    };
    std::vector<Attachment> attachments;
    bool custody_log = false;

    fs::path write(const fs::path& parent) const {
        init_crypto();
        const fs::path dir = parent / name;
        fs::create_directories(dir / "artifacts");
        json listed = json::array();
        json collectors = json::array();
        for (const auto& [file, text] : artifacts) {
            write_file(dir / "artifacts" / file, text);
            const auto records = static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
            listed.push_back({{"path", "artifacts/" + file},
                              {"bytes", static_cast<uint64_t>(text.size())},
                              {"records", records},
                              {"sha256", sha256_hex(text)}});
            const std::string collector(collector_of_artifact("artifacts/" + file));
            collectors.push_back({{"name", collector},
                                  {"rank", 30},
                                  {"status", "ok"},
                                  {"message", ""},
                                  {"records", records},
                                  {"error_count", 0},
                                  {"races", 0},
                                  {"coverage", json::array({"a note"})},
                                  {"errors", json::array()},
                                  {"start", {{"realtime", start}}},
                                  {"end", {{"realtime", end}}},
                                  {"duration_ms", 1.5},
                                  {"artifact", "artifacts/" + file}});
        }
        for (const auto& a : attachments) {
            write_file(dir / "artifacts" / a.file, a.bytes);
            listed.push_back({{"path", "artifacts/" + a.file},
                              {"bytes", static_cast<uint64_t>(a.bytes.size())},
                              {"records", 0},
                              {"sha256", sha256_hex(a.bytes)}});
            for (auto& c : collectors) {
                if (c["name"] == a.collector) c["attachments"].push_back("artifacts/" + a.file);
            }
        }
        const json manifest = {
            {"schema", "irsnap.manifest/1"},
            {"bundle", name},
            {"status", "complete"},
            {"case", {{"case_id", "CASE-9"}, {"examiner", "A. Analyst"}, {"evidence_id", "E1"}}},
            {"tool", {{"version", "0.1.0"}}},
            {"host",
             {{"hostname", host},
              {"fqdn", host + ".example"},
              {"machine_id", "m-" + host},
              {"boot_id", "b-1"},
              {"architecture", "x86_64"},
              {"os", {{"name", "TestOS 1"}}},
              {"kernel", {{"release", "6.1.0"}}}}},
            {"clock",
             {{"start", {{"realtime", start}, {"realtime_ns", triage::parse_utc_ns(start)}}},
              {"end", {{"realtime", end}}}}},
            {"collectors", collectors},
            {"artifacts", listed},
            {"custody", json::array({{{"sequence", 1},
                                      {"action", "collected"},
                                      {"time", end},
                                      {"by", "A. Analyst"},
                                      {"host", host},
                                      {"note", "bundle created by irsnap collect"},
                                      {"previous_event_sha256", nullptr}}})}};
        const std::string text = manifest.dump(2) + "\n";
        write_file(dir / "manifest.json", text);
        write_file(dir / "manifest.json.sha256", sha256_hex(text) + "  manifest.json\n");
        if (custody_log) {
            CustodyEventInput event{"transferred",
                                    "A. Analyst",
                                    "B. Keeper",
                                    "sealed bag 7",
                                    "lab1",
                                    "analyst",
                                    triage::parse_utc_ns(end) + 3600000000000};
            write_file(dir / k_custody_log,
                       make_custody_line(event, custody_anchor(manifest, sha256_hex(text)), {}));
        }
        return dir;
    }
};

const std::string k_sshd =
    R"({"argv":["/usr/sbin/sshd","-D"],"exe_path":"/usr/sbin/sshd","exe_sha256":"aa11",)"
    R"("kernel_thread":false,"name":"sshd","namespaces":{"net":4026531840},"pid":100,)"
    R"("ppid":1,"start_time":"2026-11-20T10:00:00.000000Z","uid":0,"user":"root"})";
// Runs from /tmp (IRS-EXE-003) and carries a field no spec declares.
const std::string k_dropper =
    R"({"argv":["/tmp/dropper","-x"],"exe_path":"/tmp/dropper","exe_sha256":"bb22",)"
    R"("kernel_thread":false,"name":"dropper","new_field":"from a newer irsnap","pid":4242,)"
    R"("ppid":100,"start_time":"2026-11-21T23:59:58.500000Z","uid":33,"user":"www-data"})";
const std::string k_autorun =
    R"({"category":"cron","command":"/tmp/dropper -x","ctime":"2026-11-21T23:59:59.000000Z",)"
    R"("enabled":true,"mtime":"2026-11-21T23:59:57.000000Z","source_line":3,)"
    R"("source_path":"/etc/cron.d/evil","target_path":"/tmp/dropper"})";
const std::string k_clock =
    R"({"boot_id":"b-1","boot_time":"2026-11-20T09:59:00.000000Z","record_type":"clock"})";
const std::string k_session =
    R"({"host":"198.51.100.7","line":"pts/0","login_time":"2026-11-21T23:50:00.000000Z",)"
    R"("pid":900,"record_type":"session","user":"admin"})";

HandBundle web01() {
    HandBundle b;
    b.artifacts = {{"01_system.jsonl", k_clock + "\n" + k_session + "\n"},
                   // Line 2 was cut mid-record: it must be skipped, and line numbers kept.
                   {"07_processes.jsonl", k_sshd + "\n{\"pid\":\n" + k_dropper + "\n"},
                   {"12_autoruns.jsonl", k_autorun + "\n"},
                   {"40_future.jsonl", "{\"thing\":1}\n"}};
    b.custody_log = true;
    return b;
}

// The dropper's content, copied into the archive, and a library it maps that was not copied.
const std::string k_dropper_specimen =
    R"({"archive":"artifacts/11_samples.zip","copied_bytes":4096,"member":"bb22",)"
    R"("member_sha256":"bb22","path":"/tmp/dropper","reasons":["deleted","temporary_place"],)"
    R"("sha256":"bb22","size":4096,"source_count":2,"sources":[)"
    R"({"handle":null,"kind":"exe","path":"/tmp/dropper","pid":4242,"process":"dropper",)"
    R"("read_via":"/proc/4242/exe"},)"
    R"({"handle":"fd 5","kind":"descriptor","path":"/tmp/dropper","pid":100,"process":"sshd",)"
    R"("read_via":"/proc/100/fd/5"}],"status":"copied","status_note":null})";
const std::string k_library_specimen =
    R"({"archive":null,"copied_bytes":null,"member":null,"member_sha256":null,)"
    R"("path":"/dev/shm/libx.so","reasons":["preload","temporary_place"],"sha256":"cc33",)"
    R"("size":99999999,"source_count":1,"sources":[{"handle":"7f00-7f10","kind":"mapping",)"
    R"("path":"/dev/shm/libx.so","pid":4242,"process":"dropper",)"
    R"("read_via":"/proc/4242/map_files/7f00-7f10"}],"status":"too_large",)"
    R"("status_note":"99999999 bytes, above --max-sample-bytes 67108864"})";

/// web01 with the samples collector's records and its (stand-in) archive.
HandBundle web01_with_specimens() {
    HandBundle b = web01();
    b.artifacts.emplace_back("11_samples.jsonl",
                             k_dropper_specimen + "\n" + k_library_specimen + "\n");
    b.attachments.push_back({"11_samples.zip", "PK\x03\x04 not read as lines\n\xff", "samples"});
    return b;
}

/// Runs an exporter writing to a file and returns the file's text.
template <typename Fn>
std::string export_text(const fs::path& file, Fn&& fn) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    {
        ex::OutputStream out(fd, file.string());
        fn(out);
        out.flush();
    }
    ::close(fd);
    return read_text_file(file);
}

// ---- schema ----------------------------------------------------------------------------------

TEST(ExportSchema, EveryCollectorTableHasItsSpecFieldsTypedAndNoCollisions) {
    for (const Collector& c : registered_collectors()) {
        const CollectorSpec& spec = c.spec();
        const ex::SqlTable table = ex::sql_table(spec);
        SCOPED_TRACE(spec.name);
        // Bookkeeping columns, one per field, extra: no field was dropped for a collision.
        ASSERT_EQ(table.columns.size(), spec.fields.size() + 4);
        EXPECT_EQ(table.columns[0].name, "host_id");
        EXPECT_EQ(table.columns[1].name, "bundle_id");
        EXPECT_EQ(table.columns[2].name, "artifact_line");
        EXPECT_EQ(table.columns.back().name, "extra");
        for (size_t i = 0; i < spec.fields.size(); ++i) {
            const FieldSpec& f = spec.fields[i];
            const ex::SqlColumn& col = table.columns[i + 3];
            EXPECT_EQ(col.name, f.name);
            // The jsonl export adds this key to every record: no field may have its name.
            EXPECT_NE(f.name, ex::k_jsonl_key);
            const std::string want = f.type == "string"                           ? "TEXT"
                                     : f.type == "integer" || f.type == "boolean" ? "INTEGER"
                                     : f.type == "number"                         ? "REAL"
                                                                                  : "TEXT";
            EXPECT_EQ(col.sql_type, want) << f.name << " " << f.type;
            EXPECT_EQ(col.json, f.type.find('[') != std::string::npos || f.type == "object")
                << f.name << " " << f.type;
        }
        const auto& fixed = ex::fixed_table_names();
        EXPECT_EQ(std::find(fixed.begin(), fixed.end(), spec.name), fixed.end());
    }
}

TEST(ExportSchema, StackingIndexesNameColumnsThatExist) {
    std::map<std::string, std::set<std::string>> columns;
    for (const Collector& c : registered_collectors()) {
        for (const auto& col : ex::sql_table(c.spec()).columns)
            columns[c.spec().name].insert(col.name);
    }
    columns["findings"] = {"rule_id", "host_id", "bundle_id"};
    columns["specimen_sources"] = {"bundle_id", "host_id", "artifact_line", "sha256",
                                   "source",    "kind",    "pid",           "process",
                                   "handle",    "path",    "read_via"};
    for (const ex::SqlIndex& index : ex::stacking_indexes()) {
        const std::string table(index.table);
        ASSERT_TRUE(columns.count(table)) << table;
        for (auto c : index.columns) {
            EXPECT_TRUE(columns[table].count(std::string(c))) << table << "." << c;
        }
    }
}

// ---- jsonl -----------------------------------------------------------------------------------

TEST(ExportJsonl, KeyIsInsertedBeforeTheClosingBraceOfValidObjectsOnly) {
    std::string out;
    EXPECT_TRUE(ex::append_with_key(out, R"({"a":"}"})", R"("line":1)"));
    EXPECT_EQ(out, "{\"a\":\"}\",\"irsnap\":{\"line\":1}}\n");
    out.clear();
    EXPECT_TRUE(ex::append_with_key(out, " {} \r", R"("line":2)"));
    EXPECT_EQ(out, "{\"irsnap\":{\"line\":2}}\n");
    out.clear();
    EXPECT_FALSE(ex::append_with_key(out, R"({"pid":)", "x"));
    EXPECT_FALSE(ex::append_with_key(out, "[1,2]", "x"));
    EXPECT_FALSE(ex::append_with_key(out, R"({"a":1}})", "x"));
    EXPECT_FALSE(ex::append_with_key(out, "", "x"));
    EXPECT_EQ(out, "");
}

TEST(ExportJsonl, EveryRecordKeepsItsBytesAndGainsItsPlace) {
    TempDir tmp("irsnap-export");
    const fs::path bundle = web01().write(tmp.path());
    ex::BundleExport result;
    const std::string text = export_text(tmp.path() / "out.jsonl", [&](ex::OutputStream& out) {
        result = ex::export_jsonl(bundle, out);
    });
    EXPECT_TRUE(result.summary.verified) << result.summary.verify_note;
    EXPECT_EQ(result.records, 6u);
    EXPECT_EQ(result.skipped_lines, 1u);
    const auto lines = parse_json_lines(text);
    ASSERT_EQ(lines.size(), 6u);
    for (const auto& l : lines) {
        EXPECT_EQ(l["irsnap"]["host"], "web01");
        EXPECT_EQ(l["irsnap"]["bundle"], "web01_20261122T000000Z");
        EXPECT_EQ(l["irsnap"]["collected"], "2026-11-22T00:00:00.000000Z");
    }
    // The dropper is line 3 of the processes artifact (line 2 was cut), as sed -n 3p shows it.
    const json& dropper = lines[3];
    EXPECT_EQ(dropper["pid"], 4242);
    EXPECT_EQ(dropper["irsnap"]["collector"], "processes");
    EXPECT_EQ(dropper["irsnap"]["artifact"], "artifacts/07_processes.jsonl");
    EXPECT_EQ(dropper["irsnap"]["line"], 3);
    std::istringstream in(text);
    std::string raw;
    for (int i = 0; i < 4; ++i) std::getline(in, raw);
    EXPECT_EQ(raw.substr(0, k_dropper.size() - 1), k_dropper.substr(0, k_dropper.size() - 1));
    EXPECT_EQ(lines[5]["irsnap"]["collector"], "future");
    EXPECT_EQ(lines[5]["thing"], 1);
}

// ---- timesketch ------------------------------------------------------------------------------

TEST(ExportTimesketch, DatetimeIsIsoWithOffsetAndTimestampInMicroseconds) {
    int64_t us = 0;
    EXPECT_EQ(ex::timesketch_datetime("2026-11-22T07:47:24.509808Z", &us),
              "2026-11-22T07:47:24.509808+00:00");
    EXPECT_EQ(us, 1795333644509808);
    EXPECT_EQ(ex::timesketch_datetime("2026-11-22T07:47:24Z"), "2026-11-22T07:47:24.000000+00:00");
    EXPECT_EQ(ex::timesketch_datetime(""), "");
    EXPECT_EQ(ex::timesketch_datetime("yesterday"), "");
    EXPECT_EQ(ex::timesketch_datetime("2026-11-22 07:47:24"), "");
}

TEST(ExportTimesketch, ProcessAutorunBootLoginCollectionAndCustodyEvents) {
    TempDir tmp("irsnap-export");
    const fs::path bundle = web01().write(tmp.path());
    ex::BundleExport result;
    const std::string text = export_text(tmp.path() / "ts.jsonl", [&](ex::OutputStream& out) {
        result = ex::export_timesketch(bundle, out);
    });
    EXPECT_TRUE(result.summary.verified) << result.summary.verify_note;
    const auto events = parse_json_lines(text);
    // 2 process starts, mtime + ctime of 1 autorun, boot, login, collection start + end,
    // custody: the manifest's collection and the log's transfer.
    ASSERT_EQ(events.size(), 10u) << text;
    EXPECT_EQ(result.events, 10u);
    std::map<std::string, std::vector<json>> by_desc;
    for (const auto& e : events) {
        ASSERT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty()) << e;
        ASSERT_TRUE(e["datetime"].is_string()) << e;
        ASSERT_TRUE(e["timestamp_desc"].is_string()) << e;
        EXPECT_EQ(e["host"], "web01");
        EXPECT_EQ(e["bundle"], "web01_20261122T000000Z");
        EXPECT_EQ(e["datetime"].get<std::string>().substr(26), "+00:00") << e;
        by_desc[e["timestamp_desc"]].push_back(e);
    }
    ASSERT_EQ(by_desc["Process Start Time"].size(), 2u);
    const json& dropper = by_desc["Process Start Time"][1];
    EXPECT_EQ(dropper["pid"], 4242);
    EXPECT_EQ(dropper["exe_path"], "/tmp/dropper");
    EXPECT_EQ(dropper["command_line"], "/tmp/dropper -x");
    EXPECT_EQ(dropper["datetime"], "2026-11-21T23:59:58.500000+00:00");
    EXPECT_EQ(dropper["timestamp"], triage::parse_utc_ns("2026-11-21T23:59:58.500000Z") / 1000);
    EXPECT_EQ(dropper["line"], 3);
    EXPECT_EQ(dropper["collector"], "processes");
    EXPECT_EQ(dropper["data_type"], "irsnap:process");
    EXPECT_EQ(dropper["message"],
              "Process start: dropper (pid 4242, ppid 100, user www-data): /tmp/dropper -x");

    ASSERT_EQ(by_desc["Content Modification Time"].size(), 1u);
    ASSERT_EQ(by_desc["Metadata Modification Time"].size(), 1u);
    EXPECT_EQ(by_desc["Content Modification Time"][0]["datetime"],
              "2026-11-21T23:59:57.000000+00:00");
    EXPECT_EQ(by_desc["Metadata Modification Time"][0]["source_path"], "/etc/cron.d/evil");
    EXPECT_EQ(by_desc["Content Modification Time"][0]["message"],
              "Autorun file modified: cron /etc/cron.d/evil:3 runs /tmp/dropper -x");

    ASSERT_EQ(by_desc["Boot Time"].size(), 1u);
    ASSERT_EQ(by_desc["Login Time"].size(), 1u);
    EXPECT_EQ(by_desc["Login Time"][0]["remote_host"], "198.51.100.7");
    EXPECT_EQ(by_desc["Login Time"][0]["host"], "web01");

    ASSERT_EQ(by_desc["Collection Start Time"].size(), 1u);
    ASSERT_EQ(by_desc["Collection End Time"].size(), 1u);
    EXPECT_EQ(by_desc["Collection Start Time"][0]["case_id"], "CASE-9");
    EXPECT_EQ(by_desc["Collection End Time"][0]["datetime"], "2026-11-22T00:00:01.250000+00:00");
    EXPECT_EQ(by_desc["Collection End Time"][0]["bundle_verified"], true);

    const auto& custody = by_desc["Custody Event Time"];
    ASSERT_EQ(custody.size(), 2u);
    EXPECT_EQ(custody[0]["custody_event"], "collected");
    EXPECT_EQ(custody[0]["artifact"], "manifest.json");
    EXPECT_EQ(custody[1]["custody_event"], "transferred");
    EXPECT_EQ(custody[1]["to"], "B. Keeper");
    EXPECT_EQ(custody[1]["sequence"], 2);
    EXPECT_EQ(custody[1]["artifact"], "custody.jsonl");
    EXPECT_EQ(custody[1]["line"], 1);
    EXPECT_EQ(custody[1]["message"],
              "Custody: transferred (sequence 2) by A. Analyst to B. Keeper on lab1: sealed bag 7");
}

// ---- sqlite ----------------------------------------------------------------------------------

TEST(ExportSqlite, RowsAreTypedPlacedAndFindingsPointAtThem) {
    TempDir tmp("irsnap-export");
    const fs::path bundle = web01().write(tmp.path());
    const fs::path db_file = tmp.path() / "out.db";
    {
        ex::SqliteExport db(db_file, {});
        const ex::BundleExport r = db.add(bundle);
        EXPECT_TRUE(r.summary.verified) << r.summary.verify_note;
        EXPECT_EQ(r.records, 6u);
        EXPECT_EQ(r.skipped_lines, 1u);
        EXPECT_GE(r.findings, 1u);
        db.finish();
    }
    SqliteReader db(db_file);
    EXPECT_EQ(db.one("SELECT value FROM export_info WHERE key = 'schema'"), "irsnap.sqlite/1");
    EXPECT_EQ(db.rows("SELECT hostname, fqdn, os, kernel, bundles FROM hosts"),
              (std::vector<std::vector<std::string>>{
                  {"web01", "web01.example", "TestOS 1", "6.1.0", "1"}}));
    EXPECT_EQ(db.rows("SELECT bundle, collected, collected_end, run_status, verified, case_id, "
                      "records, skipped_lines FROM bundles"),
              (std::vector<std::vector<std::string>>{
                  {"web01_20261122T000000Z", "2026-11-22T00:00:00.000000Z",
                   "2026-11-22T00:00:01.250000Z", "complete", "1", "CASE-9", "6", "1"}}));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM processes"), 2);
    // Typed columns: integers stay integers, booleans 0/1, arrays and objects JSON.
    EXPECT_EQ(db.rows("SELECT artifact_line, typeof(pid), kernel_thread, "
                      "json_extract(argv, '$[1]'), json_extract(namespaces, '$.net'), extra "
                      "FROM processes ORDER BY pid"),
              (std::vector<std::vector<std::string>>{
                  {"1", "integer", "0", "-D", "4026531840", "NULL"},
                  {"3", "integer", "0", "-x", "NULL", R"({"new_field":"from a newer irsnap"})"}}));
    // A collector this build does not know keeps its records as JSON.
    EXPECT_EQ(db.one("SELECT json_extract(record, '$.thing') FROM future"), "1");
    // Every known collector has a table, even without an artifact in this bundle.
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM handles"), 0);

    // The planted process from /tmp is a finding whose evidence is its row.
    EXPECT_EQ(db.rows("SELECT f.collector, f.line, p.pid, p.exe_path FROM findings f "
                      "JOIN processes p ON p.bundle_id = f.bundle_id "
                      "AND p.artifact_line = f.line WHERE f.rule_id = 'IRS-EXE-003'"),
              (std::vector<std::vector<std::string>>{{"processes", "3", "4242", "/tmp/dropper"}}));
    EXPECT_EQ(db.one("SELECT json_extract(evidence, '$[0].fields.pid') FROM findings "
                     "WHERE rule_id = 'IRS-EXE-003'"),
              "4242");

    EXPECT_EQ(db.rows("SELECT source, IFNULL(line, ''), sequence, event, by_name, "
                      "IFNULL(to_name, '') FROM custody ORDER BY sequence"),
              (std::vector<std::vector<std::string>>{
                  {"manifest.json", "", "1", "collected", "A. Analyst", ""},
                  {"custody.jsonl", "1", "2", "transferred", "A. Analyst", "B. Keeper"}}));
    EXPECT_EQ(db.rows("SELECT collector, records, json_extract(coverage, '$[0]') "
                      "FROM collector_runs WHERE collector = 'processes'"),
              (std::vector<std::vector<std::string>>{{"processes", "3", "a note"}}));
    // The stacking indexes exist and the planner uses them.
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                       "AND name = 'idx_processes_exe_sha256_host_id'"),
              1);
    const auto plan = db.rows(
        "EXPLAIN QUERY PLAN SELECT exe_sha256, COUNT(DISTINCT host_id) "
        "FROM processes GROUP BY exe_sha256");
    ASSERT_FALSE(plan.empty());
    EXPECT_NE(plan.back().back().find("idx_processes_exe_sha256_host_id"), std::string::npos)
        << plan.back().back();
}

TEST(ExportSqlite, HostsAreCountedByNameAndKeepTheNewestBundlesAttributes) {
    TempDir tmp("irsnap-export");
    HandBundle early = web01();
    early.custody_log = false;
    HandBundle late = early;
    late.name = "web01_20261123T000000Z";
    late.start = "2026-11-23T00:00:00.000000Z";
    late.end = "2026-11-23T00:00:02.000000Z";
    HandBundle other = early;
    other.name = "db02_20261122T000000Z";
    other.host = "db02";
    other.artifacts = {{"07_processes.jsonl", k_sshd + "\n"}};
    const fs::path db_file = tmp.path() / "out.db";
    {
        ex::SqliteExport db(db_file, {});
        // The newer bundle first: the older one must not overwrite the host's attributes.
        db.add(late.write(tmp.path()));
        db.add(other.write(tmp.path()));
        db.add(early.write(tmp.path()));
        db.finish();
    }
    SqliteReader db(db_file);
    EXPECT_EQ(
        db.rows("SELECT hostname, bundles, last_collected FROM hosts ORDER BY hostname"),
        (std::vector<std::vector<std::string>>{{"db02", "1", "2026-11-22T00:00:00.000000Z"},
                                               {"web01", "2", "2026-11-23T00:00:00.000000Z"}}));
    // Stacking: the sshd binary is on both hosts, the dropper on one (counted once though
    // web01 has two bundles).
    EXPECT_EQ(db.rows("SELECT exe_sha256, COUNT(DISTINCT host_id) FROM processes "
                      "GROUP BY exe_sha256 ORDER BY 2, 1"),
              (std::vector<std::vector<std::string>>{{"bb22", "1"}, {"aa11", "2"}}));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM bundles b JOIN hosts h USING (host_id) "
                       "WHERE h.hostname = 'web01'"),
              2);
}

TEST(ExportSqlite, UnreadableAndTamperedBundles) {
    TempDir tmp("irsnap-export");
    const fs::path bundle = web01().write(tmp.path());
    // One flipped byte in an artifact: still exported, marked not verified, naming the file.
    std::string text = read_text_file(bundle / "artifacts/12_autoruns.jsonl");
    text[text.find("evil")] = 'E';
    write_file(bundle / "artifacts/12_autoruns.jsonl", text);
    const fs::path db_file = tmp.path() / "out.db";
    {
        ex::SqliteExport db(db_file, {false, 7});
        const ex::BundleExport missing = db.add(tmp.path() / "no_such_bundle");
        EXPECT_FALSE(missing.summary.error.empty());
        const ex::BundleExport tampered = db.add(bundle);
        EXPECT_FALSE(tampered.summary.verified);
        EXPECT_NE(tampered.summary.verify_note.find("12_autoruns.jsonl"), std::string::npos)
            << tampered.summary.verify_note;
        EXPECT_EQ(tampered.findings, 0u);  // --no-findings
        db.finish();
    }
    SqliteReader db(db_file);
    // Nothing of the unreadable bundle, not even a host row.
    EXPECT_EQ(db.rows("SELECT hostname FROM hosts"),
              (std::vector<std::vector<std::string>>{{"web01"}}));
    EXPECT_EQ(db.rows("SELECT verified, verify_note LIKE '%12_autoruns.jsonl%' FROM bundles"),
              (std::vector<std::vector<std::string>>{{"0", "1"}}));
    EXPECT_EQ(db.one("SELECT source_path FROM autoruns"), "/etc/cron.d/Evil");
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM findings"), 0);
}

// ---- specimens -------------------------------------------------------------------------------

TEST(ExportSpecimens, JsonlCarriesTheRecordsAndNeverTheArchive) {
    TempDir tmp("irsnap-export");
    const fs::path bundle = web01_with_specimens().write(tmp.path());
    ex::BundleExport result;
    const std::string text = export_text(tmp.path() / "out.jsonl", [&](ex::OutputStream& out) {
        result = ex::export_jsonl(bundle, out);
    });
    EXPECT_TRUE(result.summary.verified) << result.summary.verify_note;
    EXPECT_EQ(result.records, 8u);
    EXPECT_EQ(result.skipped_lines, 1u);  // the cut processes line only: the zip is not lines
    const auto lines = parse_json_lines(text);
    std::vector<json> specimens;
    for (const auto& l : lines) {
        if (l["irsnap"]["collector"] == "samples") specimens.push_back(l);
    }
    ASSERT_EQ(specimens.size(), 2u);
    EXPECT_EQ(specimens[0]["sha256"], "bb22");
    EXPECT_EQ(specimens[0]["sources"][1]["pid"], 100);
    EXPECT_EQ(specimens[1]["irsnap"]["line"], 2);
}

TEST(ExportSpecimens, TimesketchHasNoSpecimenEventsAndStillReadsTheBundle) {
    TempDir tmp("irsnap-export");
    const fs::path bundle = web01_with_specimens().write(tmp.path());
    ex::BundleExport result;
    const std::string text = export_text(tmp.path() / "ts.jsonl", [&](ex::OutputStream& out) {
        result = ex::export_timesketch(bundle, out);
    });
    EXPECT_TRUE(result.summary.verified) << result.summary.verify_note;
    // The same ten events as without specimens: their records carry no time of their own.
    EXPECT_EQ(result.events, 10u);
    for (const auto& e : parse_json_lines(text)) EXPECT_NE(e.value("collector", ""), "samples");
}

TEST(ExportSpecimens, SqliteHasSpecimensTheirSourcesAndFindingsNamingThem) {
    TempDir tmp("irsnap-export");
    const fs::path bundle = web01_with_specimens().write(tmp.path());
    const fs::path db_file = tmp.path() / "out.db";
    {
        ex::SqliteExport db(db_file, {});
        const ex::BundleExport r = db.add(bundle);
        EXPECT_TRUE(r.summary.verified) << r.summary.verify_note;
        EXPECT_EQ(r.records, 8u);
        db.finish();
    }
    SqliteReader db(db_file);
    // The collector's own table, typed by its spec.
    EXPECT_EQ(db.rows("SELECT artifact_line, sha256, status, IFNULL(archive, ''), size, "
                      "json_array_length(sources), extra FROM samples ORDER BY artifact_line"),
              (std::vector<std::vector<std::string>>{
                  {"1", "bb22", "copied", "artifacts/11_samples.zip", "4096", "2", "NULL"},
                  {"2", "cc33", "too_large", "", "99999999", "1", "NULL"}}));
    // One row per source: which specimens did pid 4242 run or map?
    EXPECT_EQ(db.rows("SELECT s.sha256, ss.kind, s.status FROM specimen_sources ss "
                      "JOIN samples s ON s.bundle_id = ss.bundle_id "
                      "AND s.artifact_line = ss.artifact_line "
                      "WHERE ss.pid = 4242 ORDER BY s.artifact_line"),
              (std::vector<std::vector<std::string>>{{"bb22", "exe", "copied"},
                                                     {"cc33", "mapping", "too_large"}}));
    EXPECT_EQ(db.rows("SELECT artifact_line, source, kind, pid, process, IFNULL(handle, 'NULL'), "
                      "path, read_via FROM specimen_sources ORDER BY artifact_line, source"),
              (std::vector<std::vector<std::string>>{
                  {"1", "1", "exe", "4242", "dropper", "NULL", "/tmp/dropper", "/proc/4242/exe"},
                  {"1", "2", "descriptor", "100", "sshd", "fd 5", "/tmp/dropper", "/proc/100/fd/5"},
                  {"2", "1", "mapping", "4242", "dropper", "7f00-7f10", "/dev/shm/libx.so",
                   "/proc/4242/map_files/7f00-7f10"}}));
    // The process from /tmp is a finding that names its copied specimen, then what it maps.
    EXPECT_EQ(db.rows("SELECT json_extract(specimens, '$[0].sha256'), "
                      "json_extract(specimens, '$[0].archive'), "
                      "json_extract(specimens, '$[0].match'), "
                      "json_extract(specimens, '$[1].sha256'), "
                      "json_extract(specimens, '$[1].status') "
                      "FROM findings WHERE rule_id = 'IRS-EXE-003'"),
              (std::vector<std::vector<std::string>>{
                  {"bb22", "artifacts/11_samples.zip", "sha256", "cc33", "too_large"}}));
    // The library too large to copy is a finding of its own.
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM findings WHERE rule_id = 'IRS-SMP-001'"), 1);
    // Stacking specimens across hosts reads an index.
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                       "AND name IN ('idx_samples_sha256_host_id', "
                       "'idx_specimen_sources_bundle_id_pid', "
                       "'idx_specimen_sources_path_host_id')"),
              3);
}

TEST(ExportMemory, RecordsHaveTheirTableAndLinesAndFindingsNameTheDump) {
    TempDir tmp("irsnap-export");
    HandBundle b = web01();
    const std::string dump =
        R"({"archive":"artifacts/13_memory.pid4242.zip","format":"elf_core","kind":"dump",)"
        R"("member":"pid4242.core","pid":4242,"reasons":["temporary_place"],)"
        R"("segments":[{"start":"0x1000","end":"0x2000"}],)"
        R"("sha256":"dd44","size":8192,"status":"dumped"})";
    b.artifacts.emplace_back("13_memory.jsonl", dump + "\n");
    b.attachments.push_back({"13_memory.pid4242.zip", "PK\x03\x04 stand-in", "memory"});
    const fs::path bundle = b.write(tmp.path());
    const std::string jsonl = export_text(tmp.path() / "out.jsonl", [&](ex::OutputStream& out) {
        EXPECT_TRUE(ex::export_jsonl(bundle, out).summary.verified);
    });
    size_t memory_lines = 0;
    for (const auto& l : parse_json_lines(jsonl)) {
        if (l["irsnap"]["collector"] != "memory") continue;
        ++memory_lines;
        EXPECT_EQ(l["member"], "pid4242.core");
    }
    EXPECT_EQ(memory_lines, 1u);
    const fs::path db_file = tmp.path() / "out.db";
    {
        ex::SqliteExport db(db_file, {});
        EXPECT_TRUE(db.add(bundle).summary.verified);
        db.finish();
    }
    SqliteReader db(db_file);
    // The collector's own table, typed by its spec: segments as JSON text.
    EXPECT_EQ(
        db.rows("SELECT kind, pid, member, size, json_array_length(segments) FROM memory"),
        (std::vector<std::vector<std::string>>{{"dump", "4242", "pid4242.core", "8192", "1"}}));
    // The process from /tmp names its dump, as `triage --json` does.
    EXPECT_EQ(db.rows("SELECT json_extract(memory, '$[0].member'), "
                      "json_extract(memory, '$[0].match'), json_extract(memory, '$[0].sha256') "
                      "FROM findings WHERE rule_id = 'IRS-EXE-003'"),
              (std::vector<std::vector<std::string>>{{"pid4242.core", "dump", "dd44"}}));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM findings WHERE memory IS NOT NULL"), 1);
}

TEST(ExportSpecimens, AnUnknownLayoutOfSourcesIsKeptNotFatal) {
    TempDir tmp("irsnap-export");
    HandBundle b = web01();
    b.artifacts.emplace_back(
        "11_samples.jsonl",
        std::string(
            R"({"sha256":"dd","sources":[7,{"pid":"x","kind":3},{"pid":18446744073709551615}]})") +
            "\n" + R"({"sha256":"ee","sources":{"pid":1}})" + "\n");
    const fs::path db_file = tmp.path() / "out.db";
    {
        ex::SqliteExport db(db_file, {});
        EXPECT_TRUE(db.add(b.write(tmp.path())).summary.verified);
        db.finish();
    }
    SqliteReader db(db_file);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM samples"), 2);
    // The number is the source's place in the list; what is not an object is left out.
    EXPECT_EQ(
        db.rows("SELECT source, IFNULL(kind, 'NULL'), IFNULL(pid, 'NULL') "
                "FROM specimen_sources ORDER BY source"),
        (std::vector<std::vector<std::string>>{{"2", "NULL", "NULL"}, {"3", "NULL", "NULL"}}));
}

// ---- hostile bundles: what an attacker who edited a bundle may have planted ------------------

std::string deep_json(size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

TEST(HostileBundle, DeepValuesAndTrailingBytesAreSkippedLinesNotCrashes) {
    TempDir tmp("irsnap-hostile");
    HandBundle b = web01();
    // A 60k-deep value inside a record, and a record followed by a NUL and garbage.
    b.artifacts[1].second += "{\"pid\":7,\"argv\":" + deep_json(60000) + "}\n";
    b.artifacts[1].second += std::string("{\"pid\":8}\0garbage\n", 18);
    const fs::path bundle = b.write(tmp.path());
    EXPECT_TRUE(verify_bundle(bundle).ok());

    const auto t = triage::triage_bundle(bundle);
    EXPECT_EQ(t.bad_lines, 3u);  // the cut line of web01() and the two planted ones
    ex::BundleExport jsonl;
    const std::string text = export_text(tmp.path() / "out.jsonl", [&](ex::OutputStream& out) {
        jsonl = ex::export_jsonl(bundle, out);
    });
    EXPECT_EQ(jsonl.skipped_lines, 3u);
    EXPECT_EQ(text.find('\0'), std::string::npos);
    ex::BundleExport ts;
    export_text(tmp.path() / "out.ts",
                [&](ex::OutputStream& out) { ts = ex::export_timesketch(bundle, out); });
    EXPECT_EQ(ts.skipped_lines, 3u);  // all three are process lines, which timesketch reads
    {
        ex::SqliteExport db(tmp.path() / "out.db", {});
        const ex::BundleExport r = db.add(bundle);
        EXPECT_EQ(r.skipped_lines, 3u);
        db.finish();
    }
}

TEST(HostileBundle, ADeepManifestIsReportedNotDumped) {
    TempDir tmp("irsnap-hostile");
    const fs::path bundle = web01().write(tmp.path());
    // The manifest's artifact list holds a 60k-deep entry: verify used to dump() it whole.
    std::string text = read_text_file(bundle / "manifest.json");
    const std::string key = "\"artifacts\": [";
    const size_t at = text.find(key);
    ASSERT_NE(at, std::string::npos);
    text.insert(at + key.size(), deep_json(60000) + ",");
    write_file(bundle / "manifest.json", text);
    write_file(bundle / "manifest.json.sha256", sha256_hex(text) + "  manifest.json\n");
    const VerifyReport report = verify_bundle(bundle);
    EXPECT_FALSE(report.ok());
    ASSERT_FALSE(report.problems.empty());
    EXPECT_EQ(report.problems.front().problem, "unreadable");
    // A shallow but huge bad entry is quoted, bounded.
    text = read_text_file(bundle / "manifest.json");
    text.replace(at + key.size(), deep_json(60000).size() + 1,
                 "[\"" + std::string(100000, 'x') + "\"],");
    write_file(bundle / "manifest.json", text);
    write_file(bundle / "manifest.json.sha256", sha256_hex(text) + "  manifest.json\n");
    const VerifyReport wide = verify_bundle(bundle);
    bool quoted = false;
    for (const auto& p : wide.problems) {
        if (p.detail.starts_with("bad artifact entry: ")) {
            quoted = true;
            EXPECT_LE(p.detail.size(), 300u);
        }
    }
    EXPECT_TRUE(quoted);
    const auto t = triage::triage_bundle(bundle);  // reads on, the manifest is just not used
    EXPECT_TRUE(t.summary.error.empty());
}

TEST(HostileBundle, AnOversizedLineIsNamedAndTheRestIsRead) {
    TempDir tmp("irsnap-hostile");
    HandBundle b = web01();
    b.artifacts[1].second = k_sshd + "\n{\"pid\":1,\"pad\":\"" +
                            std::string(k_max_line_bytes, 'a') + "\"}\n" + k_dropper + "\n";
    const fs::path bundle = b.write(tmp.path());
    const auto t = triage::triage_bundle(bundle);
    EXPECT_EQ(t.summary.oversized_lines, 1u);
    ASSERT_EQ(t.summary.line_errors.size(), 1u);
    EXPECT_TRUE(t.summary.line_errors[0].starts_with("artifacts/07_processes.jsonl line 2: "))
        << t.summary.line_errors[0];
    EXPECT_EQ(t.records.at("processes"), 2u);
    bool dropper = false;
    for (const auto& f : t.findings) {
        for (const auto& e : f.evidence) dropper = dropper || e.line == 3;
    }
    EXPECT_TRUE(dropper);
}

TEST(HostileBundle, SqliteTablesForHostileArtifactNamesAndHugeIntegers) {
    TempDir tmp("irsnap-hostile");
    HandBundle b = web01();
    b.artifacts.push_back({"17_sqlite_master.jsonl", "{\"x\":1}\n"});
    b.artifacts.push_back({"21_Processes.jsonl", "{\"pid\":2}\n"});
    b.artifacts.push_back(
        {"30_processes.jsonl",
         R"({"pid":18446744073709551615,"ppid":9223372036854775807,"name":"big","start_time":"2026-11-21T00:00:00.000000Z"})"
         "\n"});
    const fs::path bundle = b.write(tmp.path());
    const fs::path db_file = tmp.path() / "out.db";
    {
        ex::SqliteExport db(db_file, {});
        const ex::BundleExport r = db.add(bundle);
        EXPECT_EQ(r.records, 9u);
        db.finish();
    }
    SqliteReader db(db_file);
    EXPECT_EQ(db.one("SELECT json_extract(record, '$.x') FROM artifact_sqlite_5fmaster"), "1");
    EXPECT_EQ(db.one("SELECT json_extract(record, '$.pid') FROM artifact__50rocesses"), "2");
    // Beyond int64: NULL in the INTEGER column, the exact digits in extra; never a REAL.
    EXPECT_EQ(db.rows("SELECT typeof(pid), typeof(ppid), ppid, extra FROM processes "
                      "WHERE name = 'big'"),
              (std::vector<std::vector<std::string>>{
                  {"null", "integer", "9223372036854775807", R"({"pid":18446744073709551615})"}}));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM processes WHERE typeof(pid) = 'real'"), 0);

    // Timesketch: the pid prints unsigned, and the summary counts events written.
    ex::BundleExport ts;
    const std::string text = export_text(tmp.path() / "out.ts", [&](ex::OutputStream& out) {
        ts = ex::export_timesketch(bundle, out);
    });
    EXPECT_NE(text.find("pid 18446744073709551615"), std::string::npos);
    EXPECT_EQ(ts.events, static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n')));
}

}  // namespace
}  // namespace irsnap::test
