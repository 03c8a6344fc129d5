// SPDX-License-Identifier: Apache-2.0
// `collect --root DIR`: the autoruns collector reads a mounted image or tree, and its records
// name host paths, never the examiner's mount point.
#include <gtest/gtest.h>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;

TEST(Cli, RootReadsAutorunsFromATree) {
    TempDir tmp("irsnap-it-root");
    const fs::path tree = fs::path(IRSNAP_FIXTURE_DIR) / "autoruns" / "basic";
    auto run = run_command({irsnap_binary(), "collect", "-q", "--collectors", "autoruns", "--root",
                            tree.string(), "-o", tmp.path().string()});
    // 1: the fixture's deliberately malformed lines are item errors, so coverage is reduced.
    ASSERT_EQ(run.exit_code, 1) << run.err;
    auto records = read_jsonl(artifact(only_bundle(tmp.path()), "autoruns"));
    bool planted = false;
    for (const auto& r : records) {
        const std::string path = r["source_path"];
        EXPECT_EQ(path.find(tree.string()), std::string::npos) << path;
        if (path == "/etc/systemd/system/evil.service") planted = true;
    }
    EXPECT_TRUE(planted);
}

TEST(Cli, RootMustBeADirectoryAndNotGivenTwice) {
    auto missing = run_command({irsnap_binary(), "collect", "--root", "/no/such/image"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("/no/such/image"), std::string::npos) << missing.err;
    auto both = run_command({irsnap_binary(), "collect", "--root", "/", "--host-root", "/"});
    EXPECT_EQ(both.exit_code, 2);
}

}  // namespace
}  // namespace irsnap::test
