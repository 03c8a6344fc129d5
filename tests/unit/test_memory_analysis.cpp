// SPDX-License-Identifier: Apache-2.0
// The analyst side of the memory collector: `irsnap extract` over a hand-made bundle with a
// memory record and its encrypted archive, and triage's join of memory records to findings
// (IRS-MEM-001's overlapping regions) and IRS-MEM-004.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "analysis/rules.hpp"
#include "fixture_util.hpp"
#include "irsnap/artifact_writer.hpp"
#include "irsnap/evidence_zip.hpp"
#include "irsnap/extract.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/triage.hpp"
#include "string_destination.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
namespace tr = irsnap::triage;
using nlohmann::json;

// ---- extract --------------------------------------------------------------------------------

/// An encrypted evidence archive holding `members` (name, bytes): deflated as a directory
/// bundle's memory archives are, or stored as a stream bundle's.
std::string zip_of(const std::vector<std::pair<std::string, std::string>>& members,
                   ZipCompression compression = ZipCompression::deflate_fast) {
    std::string bytes;
    ArtifactWriter out(std::make_unique<StringDestination>(bytes), "m.zip", "m.zip");
    EvidenceZipWriter zip(out, compression);
    for (const auto& member : members) {
        const std::string& content = member.second;  // a named reference: lambdas may capture it
        auto offset = std::make_shared<size_t>(0);
        zip.add({member.first, content.size(), 1700000000},
                [&content, offset](char* buf, size_t cap) {
                    const size_t n = std::min(cap, content.size() - *offset);
                    std::copy_n(content.data() + *offset, n, buf);
                    *offset += n;
                    return static_cast<long>(n);
                });
    }
    zip.close();
    out.close();
    return bytes;
}

void write_bundle_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

/// A bundle that verifies: the artifacts (file name, bytes), a manifest listing their digests,
/// and manifest.json.sha256.
fs::path write_bundle(const fs::path& parent,
                      const std::vector<std::pair<std::string, std::string>>& files) {
    init_crypto();
    const fs::path dir = parent / "h_20261205T000000Z";
    fs::create_directories(dir / "artifacts");
    json listed = json::array();
    for (const auto& [name, bytes] : files) {
        write_bundle_file(dir / "artifacts" / name, bytes);
        listed.push_back({{"path", "artifacts/" + name},
                          {"bytes", static_cast<uint64_t>(bytes.size())},
                          {"sha256", sha256_hex(bytes)}});
    }
    const std::string text =
        json{{"schema", "irsnap.manifest/1"}, {"status", "complete"}, {"artifacts", listed}}.dump(
            2) +
        "\n";
    write_bundle_file(dir / "manifest.json", text);
    write_bundle_file(dir / "manifest.json.sha256", sha256_hex(text) + "  manifest.json\n");
    return dir;
}

std::string dump_record(const std::string& member, const std::string& sha256) {
    return json{{"kind", "dump"},
                {"pid", 42},
                {"process_name", "evil"},
                {"format", "elf_core"},
                {"archive", "artifacts/12_memory.pid42.zip"},
                {"member", member},
                {"sha256", sha256},
                {"status", "dumped"}}
        .dump();
}

const std::string k_core = std::string(
                               "\x7f"
                               "ELF core",
                               9) +
                           std::string(70000, '\0') + "end";

TEST(MemoryExtract, WritesTheDumpReadOnlyAndSelectsItBySha256) {
    TempDir tmp("irsnap-mem-extract");
    const std::string sha = sha256_hex(k_core);
    // A region beside the dump, in a stored archive (a stream bundle's).
    const std::string region_member = "pid42_0000000000010000-0000000000011000.bin";
    const std::string code(4096, '\x90');
    const json region = {{"kind", "region"},
                         {"pid", 42},
                         {"archive", "artifacts/12_memory.zip"},
                         {"member", region_member},
                         {"sha256", sha256_hex(code)},
                         {"status", "dumped"}};
    const fs::path bundle = write_bundle(
        tmp.path(),
        {{"12_memory.jsonl", dump_record("pid42.core", sha) + "\n" + region.dump() + "\n"},
         {"12_memory.pid42.zip", zip_of({{"pid42.core", k_core}})},
         {"12_memory.zip", zip_of({{region_member, code}}, ZipCompression::store)}});
    const fs::path into = tmp.path() / "out";
    fs::create_directory(into);
    // Another digest selects nothing.
    ExtractResult none = extract_bundle(bundle, {std::string(64, 'a')}, into);
    EXPECT_TRUE(none.error.empty()) << none.error;
    EXPECT_TRUE(none.members.empty());
    ExtractResult r = extract_bundle(bundle, {sha}, into);
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.members.size(), 1u);
    EXPECT_EQ(r.members[0].problem, "");
    EXPECT_EQ(r.members[0].written, "memory/pid42.core");
    EXPECT_EQ(r.members[0].bytes, k_core.size());
    EXPECT_EQ(read_text_file(into / "memory/pid42.core"), k_core);
    struct stat st {};
    ASSERT_EQ(::stat((into / "memory/pid42.core").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0400u);
    EXPECT_FALSE(fs::exists(into / "memory" / region_member));  // not selected
    ExtractResult all = extract_bundle(bundle, {sha256_hex(code)}, into);
    ASSERT_EQ(all.members.size(), 1u);
    EXPECT_EQ(all.members[0].problem, "");
    EXPECT_EQ(read_text_file(into / "memory" / region_member), code);
}

TEST(MemoryExtract, RefusesChangedBytesAndUnsafeNames) {
    TempDir tmp("irsnap-mem-extract");
    const std::string wrong = sha256_hex("not the dump");
    std::string records = dump_record("pid42.core", wrong) + "\n";
    std::vector<std::pair<std::string, std::string>> members = {{"pid42.core", k_core}};
    for (const std::string bad : {"../x", ".hidden", "a/b"}) {
        records += dump_record(bad, sha256_hex(k_core)) + "\n";
        members.emplace_back(bad, k_core);
    }
    const fs::path bundle = write_bundle(
        tmp.path(), {{"12_memory.jsonl", records}, {"12_memory.pid42.zip", zip_of(members)}});
    const fs::path into = tmp.path() / "out";
    fs::create_directory(into);
    ExtractResult r = extract_bundle(bundle, {}, into);
    ASSERT_TRUE(r.error.empty()) << r.error;
    std::map<std::string, std::string> problems;
    for (const auto& m : r.members) {
        EXPECT_EQ(m.written, "") << m.member;
        problems[m.member] = m.problem;
    }
    EXPECT_EQ(r.refused(), 4u);
    EXPECT_NE(problems["pid42.core"].find("differs from the record's " + wrong), std::string::npos)
        << problems["pid42.core"];
    for (const char* bad : {"../x", ".hidden", "a/b"})
        EXPECT_EQ(problems[bad], "unsafe member name");
    // Nothing of the refused member is left behind, not even its temporary name.
    EXPECT_FALSE(fs::exists(into / "memory/pid42.core"));
    EXPECT_FALSE(fs::exists(into / "memory/.pid42.core.partial"));
    EXPECT_FALSE(fs::exists(into / "x"));
}

TEST(MemoryExtract, TargetIsOneSafeName) {
    auto target = [](const std::string& member) {
        return extract_target({"memory", "artifacts/12_memory.zip", member, "", ""});
    };
    EXPECT_EQ(target("pid42.core"), "memory/pid42.core");
    EXPECT_EQ(target("pid42_00007f0000000000-00007f0000001000.bin"),
              "memory/pid42_00007f0000000000-00007f0000001000.bin");
    for (const std::string& bad :
         std::vector<std::string>{"", "../x", ".hidden", "a/b", "a\\b", "..", "x y", "p\xc3\xa9",
                                  std::string(256, 'a')}) {
        EXPECT_EQ(target(bad), "") << bad;
    }
    EXPECT_EQ(target(std::string(255, 'a')), "memory/" + std::string(255, 'a'));
}

// ---- triage ---------------------------------------------------------------------------------

tr::Record record_of(const std::string& collector, uint64_t line, const json& value) {
    return {"artifacts/07_" + collector + ".jsonl", line, value};
}

json region(int64_t pid, const std::string& start, const std::string& end,
            const std::string& status = "dumped") {
    return {{"kind", "region"},
            {"pid", pid},
            {"format", "raw"},
            {"start", start},
            {"end", end},
            {"permissions", "rwxp"},
            {"archive", "artifacts/12_memory.zip"},
            {"member", "pid" + std::to_string(pid) + "_" + start + "-" + end + ".bin"},
            {"sha256", std::string(64, 'b')},
            {"status", status}};
}

/// pid 42 from /tmp (IRS-EXE-003) with writable and executable anonymous memory at
/// 0x10000-0x11000 (IRS-MEM-001); regions inside and outside that range, and a dump.
tr::Input injected_process() {
    tr::Input in;
    in.records["processes"].push_back(
        record_of("processes", 1, {{"pid", 42}, {"name", "evil"}, {"exe_path", "/tmp/evil"}}));
    in.records["modules"].push_back(record_of(
        "modules", 1,
        {{"kind", "anonymous_executable"},
         {"pid", 42},
         {"process_name", "evil"},
         {"writable_executable_count", 1},
         {"ranges",
          json::array({{{"start", "0x10000"}, {"end", "0x11000"}, {"perms", "rwxp"}}})}}));
    auto& memory = in.records["memory"];
    memory.push_back(record_of("memory", 1, region(42, "0x50000", "0x51000")));  // outside
    memory.push_back(record_of("memory", 2, region(42, "0x10000", "0x11000")));  // inside
    memory.push_back(record_of("memory", 3, region(7, "0x10000", "0x11000")));   // other pid
    memory.push_back(record_of("memory", 4,
                               {{"kind", "dump"},
                                {"pid", 42},
                                {"format", "elf_core"},
                                {"archive", "artifacts/12_memory.pid42.zip"},
                                {"member", "pid42.core"},
                                {"sha256", std::string(64, 'c')},
                                {"status", "dumped"}}));
    return in;
}

const tr::Finding* find_rule(const std::vector<tr::Finding>& all, std::string_view id) {
    for (const auto& f : all) {
        if (f.rule_id == id) return &f;
    }
    return nullptr;
}

TEST(MemoryTriage, WritableExecutableFindingListsOnlyTheOverlappingRegion) {
    const auto findings = tr::run_rules(injected_process());
    const tr::Finding* wx = find_rule(findings, "IRS-MEM-001");
    ASSERT_NE(wx, nullptr);
    ASSERT_EQ(wx->memory.size(), 2u);
    EXPECT_EQ(wx->memory[0].kind, "region");
    EXPECT_EQ(wx->memory[0].start, "0x10000");
    EXPECT_EQ(wx->memory[0].match, "range");
    EXPECT_EQ(wx->memory[0].line, 2u);
    EXPECT_EQ(wx->memory[1].kind, "dump");
    EXPECT_EQ(wx->memory[1].member, "pid42.core");
    for (const auto& m : wx->memory) EXPECT_NE(m.start, "0x50000");

    // A finding about the same process otherwise lists its dump and every captured region.
    const tr::Finding* temp = find_rule(findings, "IRS-EXE-003");
    ASSERT_NE(temp, nullptr);
    ASSERT_EQ(temp->memory.size(), 3u);
    EXPECT_EQ(temp->memory[0].match, "dump");
    EXPECT_EQ(temp->memory[1].start, "0x50000");
    EXPECT_EQ(temp->memory[2].start, "0x10000");
    EXPECT_EQ(temp->memory[2].match, "pid");

    const json j = tr::to_json(*wx);
    ASSERT_TRUE(j.contains("memory"));
    EXPECT_EQ(j["memory"][0]["permissions"], "rwxp");
    EXPECT_EQ(j["memory"][0]["archive"], "artifacts/12_memory.zip");
    EXPECT_EQ(j["memory"][1]["format"], "elf_core");
    EXPECT_FALSE(j["memory"][1].contains("start"));
    EXPECT_EQ(tr::memory_text(wx->memory[1]),
              "dump of pid 42 pid42.core in artifacts/12_memory.pid42.zip (elf_core, dumped, "
              "sha256 " +
                  std::string(64, 'c') + ")");
}

TEST(MemoryTriage, RegionsOutsideEveryRangeAreNotListed) {
    tr::Input in = injected_process();
    in.records["memory"].erase(in.records["memory"].begin() + 1);  // the one inside
    in.records["memory"].pop_back();                               // the dump
    const auto findings = tr::run_rules(in);
    const tr::Finding* wx = find_rule(findings, "IRS-MEM-001");
    ASSERT_NE(wx, nullptr);
    EXPECT_TRUE(wx->memory.empty());
    EXPECT_FALSE(tr::to_json(*wx).contains("memory"));
}

TEST(MemoryTriage, NotCapturedDumpFiresForBudgetNotForDumped) {
    tr::Input in;
    auto dump = [](int64_t pid, const std::string& status) {
        return json{{"kind", "dump"},
                    {"pid", pid},
                    {"process_name", "p" + std::to_string(pid)},
                    {"reasons", json::array({"hidden_process"})},
                    {"format", "elf_core"},
                    {"archive", nullptr},
                    {"member", nullptr},
                    {"sha256", nullptr},
                    {"status", status},
                    {"status_note",
                     status == "budget" ? json("--max-dump-total-bytes reached") : json(nullptr)}};
    };
    in.records["memory"] = {record_of("memory", 1, dump(5, "dumped")),
                            record_of("memory", 2, dump(6, "budget")),
                            record_of("memory", 3, dump(8, "partial")),
                            record_of("memory", 4, region(9, "0x1000", "0x2000", "budget"))};
    std::vector<tr::Finding> fired;
    for (auto& f : tr::run_rules(in)) {
        if (f.rule_id == "IRS-MEM-004") fired.push_back(std::move(f));
    }
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(fired[0].urgency, tr::Urgency::medium);
    EXPECT_EQ(fired[0].confidence, tr::Confidence::high);
    EXPECT_EQ(fired[0].evidence.at(0).line, 2u);
    EXPECT_EQ(fired[0].evidence[0].fields["pid"], 6);
    EXPECT_NE(fired[0].why.find("pid 6"), std::string::npos) << fired[0].why;
    EXPECT_NE(fired[0].why.find("budget"), std::string::npos) << fired[0].why;
    // The finding names the dump it is about.
    ASSERT_EQ(fired[0].memory.size(), 1u);
    EXPECT_EQ(fired[0].memory[0].status, "budget");
    EXPECT_EQ(tr::memory_text(fired[0].memory[0]), "dump of pid 6 not stored (elf_core, budget)");
}

TEST(MemoryTriage, IndexCutsTextsAndIgnoresOtherRecords) {
    tr::MemoryIndex index;
    json long_member = region(42, "0x1000", "0x2000");
    long_member["member"] = std::string(100000, 'm');
    index.add(record_of("memory", 1, long_member));
    index.add(record_of("memory", 2, {{"kind", "scan"}, {"pid", 42}}));
    index.add(record_of("memory", 3, {{"kind", "dump"}, {"pid", "42"}}));
    EXPECT_EQ(index.size(), 1u);
    std::vector<tr::Finding> findings(1);
    findings[0].evidence.push_back({"artifacts/07_processes.jsonl", 1, {{"pid", 42}}});
    index.attach(findings);
    ASSERT_EQ(findings[0].memory.size(), 1u);
    EXPECT_LE(findings[0].memory[0].member.size(), 256u);
}

}  // namespace
}  // namespace irsnap::test
