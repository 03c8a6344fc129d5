// SPDX-License-Identifier: Apache-2.0
// Bundles edited by an attacker: verify and the analysis readers see the same members under the
// same names, never follow a planted symlink, never wait on a planted FIFO, never keep a
// gigabyte manifest, and say when records differ from the manifest. The whole-binary version
// of these cases is tests/hostile/run_corpus.sh.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "fixture_util.hpp"
#include "irsnap/bundle_fs.hpp"
#include "irsnap/bundle_reader.hpp"
#include "irsnap/custody.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/runner.hpp"
#include "irsnap/stack.hpp"
#include "irsnap/tar_members.hpp"
#include "irsnap/tar_writer.hpp"
#include "irsnap/verify.hpp"

namespace irsnap {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

constexpr const char* k_processes = "artifacts/07_processes.jsonl";

/// A minimal bundle that verifies; `records` overrides what the manifest says of each artifact.
std::map<std::string, std::string> bundle_files(
    const std::map<std::string, std::string>& artifacts,
    const std::map<std::string, uint64_t>& records = {}) {
    init_crypto();
    std::map<std::string, std::string> files = artifacts;
    json list = json::array();
    for (const auto& [path, bytes] : artifacts) {
        uint64_t lines = 0;
        for (char c : bytes) lines += c == '\n';
        auto r = records.find(path);
        list.push_back({{"path", path},
                        {"bytes", bytes.size()},
                        {"records", r == records.end() ? lines : r->second},
                        {"sha256", sha256_hex(bytes)}});
    }
    const std::string manifest = json{
        {"bundle", "h_20261122T010000Z"},
        {"status", "complete"},
        {"custody", {{{"sequence", 1}, {"action", "collected"}}}},
        {"artifacts", list}}.dump();
    files["manifest.json"] = manifest;
    files["manifest.json.sha256"] = sha256_hex(manifest) + "  manifest.json\n";
    return files;
}

std::map<std::string, std::string> two_processes() {
    return bundle_files({{k_processes, "{\"pid\":1}\n{\"pid\":2}\n"}});
}

fs::path write_directory(const fs::path& dir, const std::map<std::string, std::string>& files) {
    fs::create_directories(dir / "artifacts");
    for (const auto& [rel, text] : files) std::ofstream(dir / rel, std::ios::binary) << text;
    return dir;
}

/// The members in order, each named `top/rel` unless `names` renames it.
fs::path write_tar(const fs::path& path, const std::map<std::string, std::string>& files,
                   const std::map<std::string, std::string>& names = {},
                   const std::vector<std::string>& extra = {}) {
    std::string tar;
    auto add = [&](const std::string& rel, const std::string& text) {
        TarEntry entry;
        auto renamed = names.find(rel);
        entry.name = renamed == names.end() ? "h_20261122T010000Z/" + rel : renamed->second;
        entry.size = text.size();
        tar += tar_member_header(entry) + text + tar_padding(text.size());
    };
    for (const auto& [rel, text] : files) {
        if (rel.starts_with("artifacts/")) add(rel, text);
    }
    for (const auto& rel : extra) add(rel, files.at(rel));
    add("manifest.json", files.at("manifest.json"));
    add("manifest.json.sha256", files.at("manifest.json.sha256"));
    tar += tar_end_of_archive();
    std::ofstream(path, std::ios::binary) << tar;
    return path;
}

std::vector<std::string> lines_read(const fs::path& bundle, BundleSummary* summary = nullptr) {
    std::vector<std::string> out;
    BundleSummary s = read_bundle(bundle, {}, [&](const BundleLine& line) {
        out.push_back(std::string(line.artifact) + ":" + std::string(line.text));
    });
    if (summary != nullptr) *summary = s;
    return out;
}

std::map<std::string, std::string> problems_of(const VerifyReport& r) {
    std::map<std::string, std::string> out;
    // The first problem of a path: the one that explains it.
    for (const auto& p : r.problems) {
        out.emplace(p.path, p.problem + (p.detail.empty() ? "" : ": " + p.detail));
    }
    return out;
}

VerifyReport verify_tar_file(const fs::path& path) {
    BundleFile f = open_input_file(path);
    EXPECT_TRUE(f.fd) << f.error;
    return verify_tar(f.fd.get());
}

TarMember member(const std::string& name, char type = '0') {
    TarMember m;
    m.name = name;
    m.typeflag = type;
    return m;
}

TEST(HostileBundle, AnArtifactReplacedBetweenVerifyAndReadingIsNotVerified) {
    TempDir tmp("irsnap-hostile");
    const std::string network = "artifacts/08_network.jsonl";
    const fs::path dir = write_directory(
        tmp.path() / "b",
        bundle_files({{k_processes, "{\"pid\":1}\n"}, {network, "{\"local_port\":22}\n"}}));
    // While the first artifact is being read (verify has passed), the second one is replaced
    // with the same number of records: the record counts alone cannot see it.
    bool replaced = false;
    std::vector<std::string> lines;
    const BundleSummary s = read_bundle(dir, {}, [&](const BundleLine& l) {
        lines.emplace_back(l.text);
        if (!replaced) {
            std::ofstream(dir / network, std::ios::trunc) << "{\"local_port\":4444}\n";
            replaced = true;
        }
    });
    ASSERT_TRUE(replaced);
    EXPECT_EQ(lines.size(), 2u);
    EXPECT_FALSE(s.verified);
    EXPECT_NE(s.verify_note.find(network + ": changed between verify and reading"),
              std::string::npos)
        << s.verify_note;
    // Untouched, the same bundle verifies.
    const fs::path clean = write_directory(
        tmp.path() / "c",
        bundle_files({{k_processes, "{\"pid\":1}\n"}, {network, "{\"local_port\":22}\n"}}));
    EXPECT_TRUE(read_bundle(clean, {}, [](const BundleLine&) {}).verified);
}

TEST(HostileBundle, DirectoryListingsStopAtTheirCapAndSaySo) {
    TempDir tmp("irsnap-hostile");
    for (int i = 0; i < 12; ++i) std::ofstream(tmp.path() / ("f" + std::to_string(i)));
    std::string error;
    const UniqueFd dir = open_directory(tmp.path(), error);
    ASSERT_TRUE(dir) << error;
    EXPECT_EQ(list_directory(dir.get(), error, 5).size(), 5u);
    EXPECT_NE(error.find("more than 5 entries"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(list_directory(dir.get(), error).size(), 12u);
    EXPECT_EQ(error, "");
}

TEST(TarMemberNames, OneJudgeForEveryOddName) {
    TarMemberNames names;
    std::string why;
    EXPECT_EQ(names.accept(member("b/", '5'), why), ".");  // a directory may end in '/'
    EXPECT_EQ(names.accept(member("b/artifacts/", '5'), why), "artifacts");
    EXPECT_EQ(names.accept(member("b/artifacts/07_processes.jsonl"), why),
              "artifacts/07_processes.jsonl");
    for (const char* bad : {"b/artifacts/08_x.jsonl/", "/etc/passwd", "b/../x", "b//x", "b/./x", "",
                            "other/x", "b/artifacts/07_processes.jsonl"}) {
        why.clear();
        EXPECT_EQ(names.accept(member(bad), why), "") << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
}

TEST(HostileBundle, TrailingSlashMemberFailsVerifyAndIsNotReadUnderAnotherName) {
    TempDir tmp("irsnap-hostile");
    const auto files = two_processes();
    const fs::path tar =
        write_tar(tmp.path() / "b.tar", files,
                  {{k_processes, "h_20261122T010000Z/" + std::string(k_processes) + "/"}});
    const VerifyReport r = verify_tar_file(tar);
    EXPECT_FALSE(r.ok());
    const auto problems = problems_of(r);
    EXPECT_EQ(problems.at(k_processes), "missing: listed in the manifest");
    BundleSummary s;
    EXPECT_TRUE(lines_read(tar, &s).empty());
    EXPECT_FALSE(s.verified);
    ASSERT_EQ(s.record_mismatches.size(), 1u);
    EXPECT_EQ(s.record_mismatches[0].artifact, k_processes);
    EXPECT_EQ(s.record_mismatches[0].manifest, 2u);
    EXPECT_EQ(s.record_mismatches[0].read, 0u);
    EXPECT_NE(s.verify_note.find("records read differ from the manifest"), std::string::npos);
}

TEST(HostileBundle, DuplicateMemberIsAProblemAndOnlyTheFirstCopyIsRead) {
    TempDir tmp("irsnap-hostile");
    auto files = two_processes();
    const fs::path tar = write_tar(tmp.path() / "b.tar", files, {}, {k_processes});
    EXPECT_EQ(
        problems_of(verify_tar_file(tar)).count("h_20261122T010000Z/artifacts/07_processes.jsonl"),
        1u);
    BundleSummary s;
    EXPECT_EQ(lines_read(tar, &s).size(), 2u);  // not 4: the second copy is verify's problem
    EXPECT_TRUE(s.record_mismatches.empty());
}

TEST(HostileBundle, RecordCountsThatDifferFromTheManifestAreNamed) {
    TempDir tmp("irsnap-hostile");
    // Manifest and artifact rewritten together: digests agree, the counts do not.
    const auto files = bundle_files({{k_processes, "{\"pid\":1}\n\n{\"pid\":2}\n{\"pid\":3}"}},
                                    {{k_processes, 5}});
    const fs::path dir = write_directory(tmp.path() / "b", files);
    EXPECT_TRUE(verify_bundle(dir).ok());
    BundleSummary s;
    EXPECT_EQ(lines_read(dir, &s).size(), 3u);  // the cut last line is still read
    EXPECT_FALSE(s.verified);
    ASSERT_EQ(s.record_mismatches.size(), 1u);
    EXPECT_EQ(s.record_mismatches[0].read, 2u);  // non-empty, newline-terminated
    EXPECT_EQ(record_mismatches_json(s).dump(),
              R"([{"artifact":"artifacts/07_processes.jsonl","manifest":5,"read":2}])");
    // Only the collectors a command reads are compared.
    BundleSummary other = read_bundle(dir, {"network"}, [](const BundleLine&) {});
    EXPECT_TRUE(other.verified);
}

TEST(HostileBundle, SymlinkedArtifactsDirectoryIsNeverFollowed) {
    TempDir tmp("irsnap-hostile");
    const fs::path outside = tmp.path() / "outside";
    fs::create_directories(outside);
    std::ofstream(outside / "07_processes.jsonl") << "{\"pid\":666}\n";
    const fs::path dir = tmp.path() / "b";
    fs::create_directories(dir);
    for (const auto& [rel, text] : two_processes()) {
        if (!rel.starts_with("artifacts/")) std::ofstream(dir / rel) << text;
    }
    fs::create_directory_symlink(outside, dir / "artifacts");
    EXPECT_EQ(problems_of(verify_bundle(dir)).at("artifacts"),
              "unexpected: a symbolic link (not followed)");
    BundleSummary s;
    EXPECT_TRUE(lines_read(dir, &s).empty());
    EXPECT_FALSE(s.verified);
}

TEST(HostileBundle, FifoManifestAndCustodyLogAreRefusedWithoutWaiting) {
    TempDir tmp("irsnap-hostile");
    const fs::path dir = write_directory(tmp.path() / "b", two_processes());
    fs::remove(dir / "manifest.json");
    ASSERT_EQ(::mkfifo((dir / "manifest.json").c_str(), 0600), 0);
    const VerifyReport r = verify_bundle(dir);  // would block forever in open(2) before
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(problems_of(r).at("manifest.json"), "unexpected: not a regular file");
    BundleSummary s;
    EXPECT_TRUE(lines_read(dir, &s).size() == 2u);
    EXPECT_FALSE(s.verified);

    const fs::path dir2 = write_directory(tmp.path() / "c", two_processes());
    ASSERT_EQ(::mkfifo((dir2 / k_custody_log).c_str(), 0600), 0);
    const auto custody = verify_custody_log(dir2);
    ASSERT_EQ(custody.size(), 1u);
    EXPECT_NE(custody[0].detail.find("not a regular file (a FIFO)"), std::string::npos);
    EXPECT_FALSE(verify_bundle(dir2).ok());
}

TEST(HostileBundle, SparseGigabyteManifestIsOneProblemNotAGigabyteInMemory) {
    TempDir tmp("irsnap-hostile");
    const fs::path dir = write_directory(tmp.path() / "b", two_processes());
    fs::resize_file(dir / "manifest.json", 1ull << 30);  // sparse: no disk, no time
    const VerifyReport r = verify_bundle(dir);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(problems_of(r).at("manifest.json"),
              "unreadable: 1073741824 bytes, over the 16 MiB limit of a manifest");
    BundleSummary s;
    lines_read(dir, &s);
    EXPECT_FALSE(s.verified);
    EXPECT_TRUE(s.error.empty());
}

TEST(HostileBundle, WhatIsNotABundleIsSaidAtOnceAndNeverWalked) {
    TempDir tmp("irsnap-hostile");
    fs::create_directories(tmp.path() / "etc" / "deep");
    std::ofstream(tmp.path() / "etc" / "passwd") << "root:x:0:0\n";
    std::ofstream(tmp.path() / "notes.txt") << std::string(1024, 'x');
    ASSERT_EQ(::mkfifo((tmp.path() / "fifo").c_str(), 0600), 0);
    const auto tar = write_tar(tmp.path() / "b.tar", two_processes());
    const auto dir = write_directory(tmp.path() / "b", two_processes());
    EXPECT_EQ(probe_bundle(tmp.path() / "etc").kind, BundleKind::not_a_bundle);
    EXPECT_EQ(probe_bundle(tmp.path() / "notes.txt").kind, BundleKind::not_a_bundle);
    EXPECT_EQ(probe_bundle(tmp.path() / "fifo").kind, BundleKind::not_a_bundle);
    EXPECT_EQ(probe_bundle(tmp.path() / "missing").kind, BundleKind::not_a_bundle);
    EXPECT_EQ(probe_bundle(tar).kind, BundleKind::tar);
    EXPECT_EQ(probe_bundle(dir).kind, BundleKind::directory);
    BundleSummary s;
    lines_read(tmp.path() / "etc", &s);
    EXPECT_NE(s.error.find("not a bundle (no manifest.json, no artifacts/)"), std::string::npos);
    EXPECT_THROW(stack::expand_bundle_arguments({(tmp.path() / "notes.txt").string()}), UsageError);
}

TEST(HostileBundle, FleetDirectoryDoesNotFollowSymlinksToBundles) {
    TempDir tmp("irsnap-hostile");
    const fs::path fleet = tmp.path() / "fleet";
    write_directory(fleet / "h_20261122T010000Z", two_processes());
    write_directory(tmp.path() / "elsewhere", two_processes());
    fs::create_directory_symlink(tmp.path() / "elsewhere", fleet / "link");
    write_tar(tmp.path() / "elsewhere.tar", two_processes());
    fs::create_symlink(tmp.path() / "elsewhere.tar", fleet / "link.tar");
    EXPECT_EQ(stack::expand_bundle_arguments({fleet.string()}),
              std::vector<fs::path>{fleet / "h_20261122T010000Z"});
}

TEST(HostileBundle, ArtifactNamesNoCollectorHasAreReadByExportButNotByOtherCollectors) {
    EXPECT_EQ(collector_of_artifact("artifacts/07_processes.jsonl"), "processes");
    EXPECT_EQ(collector_of_artifact("artifacts/21_Processes.jsonl"), "Processes");
    EXPECT_EQ(collector_of_artifact("artifacts/08_pro\x1b[2Jcesses.jsonl"), "pro\x1b[2Jcesses");
    EXPECT_EQ(collector_of_artifact("artifacts/x_processes.jsonl"), "");
    EXPECT_EQ(collector_of_artifact("artifacts/07_.jsonl"), "");
    TempDir tmp("irsnap-hostile");
    const auto files = bundle_files(
        {{k_processes, "{\"pid\":1}\n"}, {"artifacts/21_Processes.jsonl", "{\"pid\":9}\n"}});
    const fs::path dir = write_directory(tmp.path() / "b", files);
    BundleSummary s;
    // Export reads every artifact: both, and the counts agree with the manifest.
    EXPECT_EQ(lines_read(dir, &s).size(), 2u);
    EXPECT_TRUE(s.record_mismatches.empty());
    EXPECT_TRUE(s.verified) << s.verify_note;
    // Triage reads only its collectors: "Processes" is not "processes".
    size_t lines = 0;
    EXPECT_TRUE(read_bundle(dir, {"processes"}, [&](const BundleLine&) { ++lines; }).verified);
    EXPECT_EQ(lines, 1u);
}

}  // namespace
}  // namespace irsnap
