// SPDX-License-Identifier: Apache-2.0
// The analyst commands on paths that are no bundle, and on a bundle whose record counts differ
// from its manifest: exit codes and what is said. The crafted-bundle corpus is
// tests/hostile/run_corpus.sh (ctest label hostile).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../unit/fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

size_t lines_in(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// A bundle whose digests all match but whose manifest says 5 processes for 2 lines.
fs::path rewritten_bundle(const fs::path& parent) {
    init_crypto();
    const fs::path dir = parent / "h_20261122T010000Z";
    fs::create_directories(dir / "artifacts");
    const std::string lines = "{\"pid\":1,\"name\":\"a\"}\n{\"pid\":2,\"name\":\"b\"}\n";
    std::ofstream(dir / "artifacts/07_processes.jsonl", std::ios::binary) << lines;
    const std::string manifest = json{{"bundle", "h_20261122T010000Z"},
                                      {"status", "complete"},
                                      {"artifacts",
                                       {{{"path", "artifacts/07_processes.jsonl"},
                                         {"bytes", lines.size()},
                                         {"records", 5},
                                         {"sha256", sha256_hex(lines)}}}}}
                                     .dump();
    std::ofstream(dir / "manifest.json", std::ios::binary) << manifest;
    std::ofstream(dir / "manifest.json.sha256", std::ios::binary)
        << sha256_hex(manifest) << "  manifest.json\n";
    return dir;
}

TEST(HostileCli, APathThatIsNoBundleIsOneLineAndExitTwoForEveryCommand) {
    TempDir tmp("irsnap-hostile-cli");
    const fs::path etc = tmp.path() / "etc";
    fs::create_directories(etc / "a" / "b");
    std::ofstream(etc / "passwd") << "root:x:0:0\n";
    const fs::path text = tmp.path() / "notes.tar";
    std::ofstream(text) << std::string(2048, 'x');
    const std::string out = (tmp.path() / "out").string();
    for (const fs::path& path : {etc, text}) {
        const std::string p = path.string();
        const std::vector<std::vector<std::string>> commands = {
            {"verify", p},
            {"unpack", p, tmp.path().string()},
            {"triage", p},
            {"stack", p},
            {"export", p, "--format", "jsonl", "-o", out},
            {"custody", p, "--event", "examined", "--by", "t"}};
        for (auto argv : commands) {
            argv.insert(argv.begin(), irsnap_binary());
            const RunResult r = run_command(argv);
            EXPECT_EQ(r.exit_code, 2) << argv[1] << " " << p << ": " << r.err;
            EXPECT_EQ(lines_in(r.err), 1u) << argv[1] << " " << p << ": " << r.err;
        }
    }
    EXPECT_FALSE(fs::exists(out));
}

TEST(HostileCli, RecordCountsUnlikeTheManifestWarnAndExitFive) {
    TempDir tmp("irsnap-hostile-cli");
    const fs::path bundle = rewritten_bundle(tmp.path());
    EXPECT_EQ(run_command({irsnap_binary(), "verify", bundle.string()}).exit_code, 0);

    const RunResult text = run_command({irsnap_binary(), "triage", bundle.string()});
    EXPECT_EQ(text.exit_code, 5) << text.err;
    EXPECT_NE(text.err.find("warning: h_20261122T010000Z: records read differ from the manifest: "
                            "artifacts/07_processes.jsonl has 2, the manifest says 5"),
              std::string::npos)
        << text.err;
    EXPECT_NE(text.out.find("NOT VERIFIED"), std::string::npos);

    const RunResult as_json = run_command({irsnap_binary(), "triage", "--json", bundle.string()});
    EXPECT_EQ(as_json.exit_code, 5);
    const json report = json::parse(as_json.out);
    EXPECT_EQ(report["bundle"]["verified"], false);
    EXPECT_EQ(
        report["bundle"]["record_count_mismatches"],
        json::parse(R"([{"artifact":"artifacts/07_processes.jsonl","manifest":5,"read":2}])"));

    const RunResult stack = run_command({irsnap_binary(), "stack", "--json", bundle.string()});
    EXPECT_EQ(stack.exit_code, 5);
    EXPECT_EQ(json::parse(stack.out)["bundles"][0]["record_count_mismatches"].size(), 1u);

    const RunResult exported = run_command({irsnap_binary(), "export", bundle.string(), "--format",
                                            "jsonl", "-o", (tmp.path() / "out.jsonl").string()});
    EXPECT_EQ(exported.exit_code, 5);
    EXPECT_NE(exported.err.find("records read differ from the manifest"), std::string::npos);
}

}  // namespace
}  // namespace irsnap::test
