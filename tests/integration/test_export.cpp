// SPDX-License-Identifier: Apache-2.0
// `irsnap export` on bundles the real binary collects here, with a planted child: a copy of the
// test child running from a temporary directory (what IRS-EXE-003 looks for).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "../unit/sqlite_util.hpp"
#include "irsnap/bundle_reader.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Few collectors keep it fast; these are the ones every export format reads.
constexpr const char* k_collectors = "system,processes,network,autoruns";

fs::path collect(const fs::path& out, const char* collectors = k_collectors) {
    auto run = run_command(
        {irsnap_binary(), "collect", "-o", out.string(), "--collectors", collectors, "-q"});
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(out);
}

/// A bundle holding a planted child: the test child copied into a temporary directory and
/// run from there. The child is gone once the bundle is taken.
struct PlantedBundle {
    TempDir tmp{"irsnap-export-it"};
    fs::path exe = tmp.path() / "dropper";
    pid_t pid = -1;
    fs::path bundle;
    json manifest;

    PlantedBundle() {
        fs::copy_file(IRSNAP_TEST_CHILD, exe);
        fs::permissions(exe, fs::perms::owner_all);
        pid = spawn({exe.string(), "--beacon"});
        for (int i = 0; i < 500; ++i) {
            std::error_code ec;
            if (fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec) == exe) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        bundle = collect(tmp.path() / "out");
        kill_and_reap(pid);
        manifest = json::parse(read_text_file(bundle / "manifest.json"));
    }

    /// collector -> records, from the manifest's artifacts[].
    std::map<std::string, uint64_t> records() const {
        std::map<std::string, uint64_t> out;
        for (const auto& a : manifest["artifacts"]) {
            const std::string collector(collector_of_artifact(a["path"].get<std::string>()));
            if (!collector.empty()) out[collector] = a["records"].get<uint64_t>();
        }
        return out;
    }
};

TEST(Export, SqliteRowCountsMatchTheManifestAndTheChildIsFoundWithItsFinding) {
    PlantedBundle b;
    const fs::path db_file = b.tmp.path() / "fleet.db";
    auto run = run_command({irsnap_binary(), "export", b.bundle.string(), "--format", "sqlite",
                            "-o", db_file.string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find("verified"), std::string::npos) << run.err;

    SqliteReader db(db_file);
    const auto records = b.records();
    ASSERT_EQ(records.size(), 4u);
    for (const auto& [collector, count] : records) {
        EXPECT_EQ(db.count("SELECT COUNT(*) FROM \"" + collector + "\""),
                  static_cast<int64_t>(count))
            << collector;
        // Every field of every real record has its column: nothing fell into `extra`.
        EXPECT_EQ(db.count("SELECT COUNT(*) FROM \"" + collector + "\" WHERE extra IS NOT NULL"), 0)
            << collector;
    }
    EXPECT_EQ(db.rows("SELECT hostname FROM hosts"),
              (std::vector<std::vector<std::string>>{{b.manifest["host"]["hostname"]}}));
    EXPECT_EQ(
        db.rows("SELECT bundle, verified, run_status FROM bundles"),
        (std::vector<std::vector<std::string>>{{b.manifest["bundle"], "1", b.manifest["status"]}}));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM collector_runs"),
              static_cast<int64_t>(b.manifest["collectors"].size()));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM custody WHERE event = 'collected'"), 1);

    const std::string pid = std::to_string(b.pid);
    EXPECT_EQ(db.rows("SELECT exe_path, ppid, json_extract(argv, '$[1]') FROM processes "
                      "WHERE pid = " +
                      pid),
              (std::vector<std::vector<std::string>>{
                  {b.exe.string(), std::to_string(getpid()), "--beacon"}}));
    // The planted child runs from a temporary directory: its finding points at its row.
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM findings f JOIN processes p "
                       "ON p.bundle_id = f.bundle_id AND p.artifact_line = f.line "
                       "WHERE f.rule_id = 'IRS-EXE-003' AND f.collector = 'processes' "
                       "AND p.pid = " +
                       pid),
              1);
}

TEST(Export, JsonlHasEveryRecordOnceWithHostBundleAndPlace) {
    PlantedBundle b;
    auto run = run_command(
        {irsnap_binary(), "export", b.bundle.string(), "--format", "jsonl", "-o", "-", "-q"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err, "");  // -q: only errors
    const auto lines = parse_json_lines(run.out);
    uint64_t total = 0;
    for (const auto& [collector, count] : b.records()) total += count;
    ASSERT_EQ(lines.size(), total);

    std::map<std::string, std::vector<json>> artifacts;
    std::set<std::pair<std::string, uint64_t>> places;
    bool child_seen = false;
    for (json line : lines) {
        const json place = line["irsnap"];
        EXPECT_EQ(place["host"], b.manifest["host"]["hostname"]);
        EXPECT_EQ(place["bundle"], b.manifest["bundle"]);
        EXPECT_EQ(place["collected"], b.manifest["clock"]["start"]["realtime"]);
        const std::string artifact = place["artifact"];
        EXPECT_EQ(place["collector"], std::string(collector_of_artifact(artifact)));
        const uint64_t n = place["line"];
        EXPECT_TRUE(places.emplace(artifact, n).second) << artifact << ":" << n;
        // Without the added key, the record is the artifact's line as collected.
        if (!artifacts.count(artifact)) artifacts[artifact] = read_jsonl(b.bundle / artifact);
        line.erase("irsnap");
        ASSERT_LE(n, artifacts[artifact].size());
        EXPECT_EQ(line, artifacts[artifact][n - 1]) << artifact << ":" << n;
        child_seen = child_seen || (place["collector"] == "processes" && line["pid"] == b.pid);
    }
    EXPECT_TRUE(child_seen);
}

TEST(Export, TimesketchLinesAreCompleteAndHoldTheChildsStart) {
    PlantedBundle b;
    const fs::path file = b.tmp.path() / "timeline.jsonl";
    auto run = run_command({irsnap_binary(), "export", b.bundle.string(), "--format", "timesketch",
                            "-o", file.string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto events = parse_json_lines(read_text_file(file));
    ASSERT_FALSE(events.empty());
    std::map<std::string, size_t> kinds;
    const json* child = nullptr;
    for (const auto& e : events) {
        ASSERT_TRUE(e["message"].is_string()) << e;
        ASSERT_TRUE(e["timestamp_desc"].is_string()) << e;
        ASSERT_TRUE(e["datetime"].is_string()) << e;
        ASSERT_TRUE(e["timestamp"].is_number_integer()) << e;
        const std::string dt = e["datetime"];
        EXPECT_EQ(dt.size(), 32u) << dt;  // 2026-11-22T07:47:24.509808+00:00
        EXPECT_EQ(dt.substr(26), "+00:00") << dt;
        EXPECT_EQ(e["host"], b.manifest["host"]["hostname"]);
        EXPECT_EQ(e["bundle"], b.manifest["bundle"]);
        ++kinds[e["timestamp_desc"]];
        if (e["data_type"] == "irsnap:process" && e["pid"] == b.pid) child = &e;
    }
    ASSERT_NE(child, nullptr) << "no process start event for the child " << b.pid;
    EXPECT_EQ((*child)["timestamp_desc"], "Process Start Time");
    EXPECT_EQ((*child)["exe_path"], b.exe.string());
    EXPECT_NE((*child)["message"].get<std::string>().find("Process start: dropper"),
              std::string::npos)
        << (*child)["message"];
    EXPECT_NEAR(parse_rfc3339(std::string((*child)["datetime"]).substr(0, 26) + "Z"),
                parse_rfc3339(b.manifest["clock"]["start"]["realtime"]), 30.0);

    // One start per process with a start time, one event per autorun file time.
    size_t starts = 0, mtimes = 0, ctimes = 0;
    for (const auto& r : read_jsonl(artifact(b.bundle, "processes"))) {
        starts += r["start_time"].is_string();
    }
    for (const auto& r : read_jsonl(artifact(b.bundle, "autoruns"))) {
        mtimes += r["mtime"].is_string();
        ctimes += r["ctime"].is_string();
    }
    EXPECT_EQ(kinds["Process Start Time"], starts);
    EXPECT_EQ(kinds["Content Modification Time"], mtimes);
    EXPECT_EQ(kinds["Metadata Modification Time"], ctimes);
    EXPECT_EQ(kinds["Collection Start Time"], 1u);
    EXPECT_EQ(kinds["Collection End Time"], 1u);
    EXPECT_EQ(kinds["Custody Event Time"], 1u);  // the collection; no custody.jsonl yet
    EXPECT_EQ(kinds["Boot Time"], 1u);
}

TEST(Export, TarStreamAndItsUnpackedDirectoryExportAlike) {
    TempDir tmp("irsnap-export-it");
    const fs::path tar = tmp.path() / "bundle.tar";
    auto streamed = run_redirected(
        {irsnap_binary(), "collect", "-o", "-", "--collectors", "system,processes", "-q"}, "",
        tar.string());
    ASSERT_TRUE(streamed.exit_code == 0 || streamed.exit_code == 1) << streamed.err;
    const fs::path into = tmp.path() / "into";
    fs::create_directories(into);
    auto unpacked = run_command({irsnap_binary(), "unpack", tar.string(), into.string()});
    ASSERT_EQ(unpacked.exit_code, 0) << unpacked.err;
    const fs::path dir = only_bundle(into);

    auto from_tar = run_command(
        {irsnap_binary(), "export", tar.string(), "--format", "jsonl", "-o", "-", "-q"});
    auto from_dir = run_command(
        {irsnap_binary(), "export", dir.string(), "--format", "jsonl", "-o", "-", "-q"});
    ASSERT_EQ(from_tar.exit_code, 0) << from_tar.err;
    ASSERT_EQ(from_dir.exit_code, 0) << from_dir.err;
    EXPECT_FALSE(from_tar.out.empty());
    EXPECT_EQ(from_tar.out, from_dir.out);
    // The tar's name is not its host: the manifest (its last member) named both.
    EXPECT_NE(from_tar.out.find("\"bundle\":\"" + dir.filename().string() + "\""),
              std::string::npos);

    const fs::path db_file = tmp.path() / "two.db";
    auto run = run_command({irsnap_binary(), "export", tar.string(), dir.string(), "--format",
                            "sqlite", "-o", db_file.string(), "--no-findings"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    SqliteReader db(db_file);
    // Two bundles of one host: one host row, both bundles verified, the tar's source kept.
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM hosts"), 1);
    EXPECT_EQ(db.rows("SELECT source = '" + tar.string() +
                      "', verified FROM bundles "
                      "ORDER BY bundle_id"),
              (std::vector<std::vector<std::string>>{{"1", "1"}, {"0", "1"}}));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM findings"), 0);
}

TEST(Export, NeverReplacesAFileAndRefusesBadArguments) {
    TempDir tmp("irsnap-export-it");
    const fs::path bundle = collect(tmp.path() / "out", "system,processes");
    const fs::path existing = tmp.path() / "existing.jsonl";
    { std::ofstream(existing) << "keep me\n"; }
    for (const char* format : {"jsonl", "sqlite", "timesketch"}) {
        auto run = run_command({irsnap_binary(), "export", bundle.string(), "--format", format,
                                "-o", existing.string()});
        EXPECT_EQ(run.exit_code, 3) << format << ": " << run.err;
        EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
        EXPECT_NE(run.err.find("exists"), std::string::npos) << run.err;
        EXPECT_EQ(read_text_file(existing), "keep me\n");
    }
    const fs::path out = tmp.path() / "new.db";
    auto to_stdout =
        run_command({irsnap_binary(), "export", bundle.string(), "--format", "sqlite", "-o", "-"});
    EXPECT_EQ(to_stdout.exit_code, 2) << to_stdout.err;
    auto missing =
        run_command({irsnap_binary(), "export", bundle.string(), (tmp.path() / "nope").string(),
                     "--format", "sqlite", "-o", out.string()});
    EXPECT_EQ(missing.exit_code, 2) << missing.err;
    auto format = run_command(
        {irsnap_binary(), "export", bundle.string(), "--format", "csv", "-o", out.string()});
    EXPECT_EQ(format.exit_code, 2) << format.err;
    EXPECT_FALSE(fs::exists(out));
}

TEST(Export, TamperedBundleIsStillExportedMarkedAndExits5) {
    TempDir tmp("irsnap-export-it");
    const fs::path bundle = collect(tmp.path() / "out", "system,processes");
    const fs::path processes = artifact(bundle, "processes");
    std::string text = read_text_file(processes);
    const size_t at = text.find("\"pid\":1,");
    ASSERT_NE(at, std::string::npos);
    text[at + 6] = '7';  // pid 1 becomes pid 7: one byte, same size
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
    fs::permissions(processes, fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(processes, std::ios::binary | std::ios::trunc) << text;

    const fs::path db_file = tmp.path() / "t.db";
    auto run = run_command(
        {irsnap_binary(), "export", bundle.string(), "--format", "sqlite", "-o", db_file.string()});
    EXPECT_EQ(run.exit_code, 5) << run.err;
    EXPECT_NE(run.err.find("NOT VERIFIED"), std::string::npos) << run.err;
    SqliteReader db(db_file);
    EXPECT_EQ(db.rows("SELECT verified, verify_note LIKE '%processes.jsonl%' FROM bundles"),
              (std::vector<std::vector<std::string>>{{"0", "1"}}));
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM processes WHERE pid = 7 AND artifact_line = " +
                       std::to_string(line)),
              1);
}

TEST(Export, InterruptedExportRemovesItsUnfinishedFile) {
    TempDir tmp("irsnap-export-it");
    const fs::path bundle = collect(tmp.path() / "out", "system,processes");
    const fs::path db_file = tmp.path() / "big.db";
    // The same bundle many times: long enough to still run when the signal comes.
    std::vector<std::string> argv = {irsnap_binary(), "export"};
    for (int i = 0; i < 300; ++i) argv.push_back(bundle.string());
    for (const char* a : {"--format", "sqlite", "-o"}) argv.emplace_back(a);
    argv.push_back(db_file.string());
    int err[2];
    ASSERT_EQ(::pipe(err), 0);
    const pid_t pid = spawn_with_fds(argv, -1, -1, err[1]);
    ::close(err[1]);
    std::string seen;
    char buffer[256];
    while (seen.find("exported ") == std::string::npos) {
        const ssize_t n = ::read(err[0], buffer, sizeof buffer);
        if (n <= 0) break;
        seen.append(buffer, static_cast<size_t>(n));
    }
    ASSERT_NE(seen.find("exported "), std::string::npos) << seen;
    EXPECT_TRUE(fs::exists(db_file));  // the first bundle is in
    ::kill(pid, SIGINT);
    const auto code = wait_exit(pid, 20000);
    ::close(err[0]);
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 4);
    EXPECT_FALSE(fs::exists(db_file));
}

}  // namespace
}  // namespace irsnap::test
