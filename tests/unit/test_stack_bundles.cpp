// SPDX-License-Identifier: Apache-2.0
// stack_bundles over bundles written here by hand: directories and tars alike, fleet directories
// expanded, verification carried through, a host's scattered bundles still counted once.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/runner.hpp"
#include "irsnap/stack.hpp"
#include "irsnap/tar_writer.hpp"

namespace irsnap::stack {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

/// The files of a minimal bundle that verifies: artifacts, manifest.json listing them, and
/// manifest.json.sha256 in sha256sum format.
std::map<std::string, std::string> bundle_files(const std::string& name, const std::string& host,
                                                const std::vector<std::string>& process_lines) {
    init_crypto();
    std::map<std::string, std::string> files;
    std::string text;
    for (const auto& line : process_lines) text += line + "\n";
    files["artifacts/03_processes.jsonl"] = text;
    json artifacts = json::array();
    for (const auto& [path, bytes] : files) {
        artifacts.push_back({{"path", path},
                             {"bytes", bytes.size()},
                             {"records", process_lines.size()},
                             {"sha256", sha256_hex(bytes)}});
    }
    const std::string manifest = json{
        {"bundle", name},
        {"status", "complete"},
        {"host", {{"hostname", host}}},
        {"artifacts", artifacts}}.dump(2);
    files["manifest.json"] = manifest;
    files["manifest.json.sha256"] = sha256_hex(manifest) + "  manifest.json\n";
    return files;
}

fs::path write_directory(const fs::path& parent, const std::string& name,
                         const std::map<std::string, std::string>& files) {
    const fs::path dir = parent / name;
    fs::create_directories(dir / "artifacts");
    for (const auto& [rel, text] : files) std::ofstream(dir / rel, std::ios::binary) << text;
    return dir;
}

fs::path write_tar(const fs::path& parent, const std::string& name,
                   const std::map<std::string, std::string>& files) {
    std::string tar;
    auto add = [&](const std::string& rel, const std::string& text) {
        TarEntry entry;
        entry.name = name + "/" + rel;
        entry.size = text.size();
        tar += tar_member_header(entry) + text + tar_padding(text.size());
    };
    // As `collect -o -` streams it: artifacts first, the manifest last.
    for (const auto& [rel, text] : files) {
        if (rel.starts_with("artifacts/")) add(rel, text);
    }
    add("manifest.json", files.at("manifest.json"));
    add("manifest.json.sha256", files.at("manifest.json.sha256"));
    tar += tar_end_of_archive();
    const fs::path path = parent / (name + ".tar");
    std::ofstream(path, std::ios::binary) << tar;
    return path;
}

std::string proc(const std::string& path, const std::string& sha) {
    return json{{"name", fs::path(path).filename().string()},
                {"exe_path", path},
                {"exe_sha256", sha},
                {"kernel_thread", false}}
        .dump();
}

const CategoryResult& exe_of(const StackRun& run) {
    for (const auto& c : run.categories) {
        if (c.category == Category::exe) return c;
    }
    throw std::runtime_error("no exe category");
}

TEST(StackBundles, DirectoryAndTarBundlesStackAlikeAndVerify) {
    TempDir tmp("irsnap-stack");
    const auto a = write_directory(
        tmp.path(), "alpha_20261122T010000Z",
        bundle_files("alpha_20261122T010000Z", "alpha", {proc("/usr/sbin/sshd", "aa")}));
    const auto b =
        write_tar(tmp.path(), "beta_20261122T010000Z",
                  bundle_files("beta_20261122T010000Z", "beta",
                               {proc("/usr/sbin/sshd", "aa"), proc("/dev/shm/.k", "ee")}));
    const StackRun run = stack_bundles({a, b}, Options{}, 0);
    ASSERT_EQ(run.bundles.size(), 2u);
    for (const auto& bundle : run.bundles) {
        EXPECT_TRUE(bundle.summary.verified)
            << bundle.summary.name << ": " << bundle.summary.verify_note;
    }
    EXPECT_EQ(run.bundles[1].summary.host, "beta");
    EXPECT_EQ(run.hosts, 2u);
    const auto& exe = exe_of(run);
    ASSERT_EQ(exe.items.size(), 2u);
    EXPECT_EQ(exe.items[0].fields, (std::vector<std::string>{"ee", "/dev/shm/.k"}));
    EXPECT_EQ(exe.items[0].hosts, std::vector<std::string>{"beta"});
    EXPECT_EQ(exe.items[1].host_count, 2u);
}

TEST(StackBundles, ATamperedBundleIsStillStackedAndSaysItDidNotVerify) {
    TempDir tmp("irsnap-stack");
    const auto a = write_directory(
        tmp.path(), "alpha_20261122T010000Z",
        bundle_files("alpha_20261122T010000Z", "alpha", {proc("/usr/bin/x", "aa")}));
    std::ofstream(a / "artifacts/03_processes.jsonl", std::ios::app)
        << proc("/tmp/y", "bb") << "\n";
    const StackRun run = stack_bundles({a}, Options{}, 0);
    ASSERT_EQ(run.bundles.size(), 1u);
    EXPECT_FALSE(run.bundles[0].summary.verified);
    EXPECT_NE(run.bundles[0].summary.verify_note.find("03_processes"), std::string::npos);
    EXPECT_EQ(exe_of(run).items_total, 2u);
}

TEST(StackBundles, AHostsScatteredBundlesAreReadAgainGroupedAndCountedOnce) {
    TempDir tmp("irsnap-stack");
    const auto files = [](const std::string& name, const std::string& host) {
        return bundle_files(name, host, {proc("/usr/sbin/sshd", "aa")});
    };
    const auto a1 = write_directory(tmp.path(), "a1", files("a1", "alpha"));
    const auto b1 = write_tar(tmp.path(), "b1", files("b1", "beta"));
    const auto a2 = write_tar(tmp.path(), "a2", files("a2", "alpha"));
    const StackRun run = stack_bundles({a1, b1, a2}, Options{}, 0);
    EXPECT_TRUE(run.regrouped);
    EXPECT_EQ(run.hosts, 2u);
    ASSERT_EQ(exe_of(run).items.size(), 1u);
    EXPECT_EQ(exe_of(run).items[0].host_count, 2u);
    EXPECT_EQ(exe_of(run).items[0].hosts, (std::vector<std::string>{"alpha", "beta"}));
    ASSERT_EQ(run.bundles.size(), 3u);  // every bundle still listed, in the order read
    EXPECT_EQ(run.bundles[1].summary.name, "a2");
}

TEST(StackBundles, AFleetDirectoryStandsForTheBundlesInsideIt) {
    TempDir tmp("irsnap-stack");
    const fs::path fleet = tmp.path() / "fleet";
    fs::create_directories(fleet / "notes");
    write_tar(fleet, "web01", bundle_files("web01", "web01", {proc("/a", "aa")}));
    write_directory(fleet, "web02_20261122T010000Z",
                    bundle_files("web02_20261122T010000Z", "web02", {proc("/a", "aa")}));
    std::ofstream(fleet / "web01.log") << "log\n";
    std::ofstream(fleet / "summary.tsv") << "host\trc\n";
    const auto expanded = expand_bundle_arguments({fleet.string()});
    EXPECT_EQ(expanded,
              (std::vector<fs::path>{fleet / "web01.tar", fleet / "web02_20261122T010000Z"}));
    // A bundle given directly is taken as it is, not looked into.
    const auto direct = expand_bundle_arguments({(fleet / "web02_20261122T010000Z").string()});
    EXPECT_EQ(direct, std::vector<fs::path>{fleet / "web02_20261122T010000Z"});
}

TEST(StackBundles, WhatCannotBeReadIsAUsageError) {
    TempDir tmp("irsnap-stack");
    EXPECT_THROW(expand_bundle_arguments({(tmp.path() / "missing").string()}), UsageError);
    fs::create_directories(tmp.path() / "empty");
    EXPECT_THROW(expand_bundle_arguments({(tmp.path() / "empty").string()}), UsageError);
}

}  // namespace
}  // namespace irsnap::stack
