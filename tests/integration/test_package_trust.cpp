// SPDX-License-Identifier: Apache-2.0
// Package trust end to end (docs/package-trust.md): in a private mount namespace a modified
// copy of a package binary is bind-mounted over the original and run; its process record names
// the package and says modified, triage raises it, and samples copies it. A copy run from /tmp
// is unowned; the untouched binary is verified. The host's own files are never changed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// /bin/sleep with unique bytes appended (ELF ignores trailing data).
std::string plant_sleep(const fs::path& path) {
    std::string program = read_text_file("/bin/sleep");
    std::random_device rd;
    program += "irsnap-package-trust-" + std::to_string(rd()) + std::to_string(rd());
    std::ofstream(path, std::ios::binary) << program;
    fs::permissions(path, fs::perms::owner_all);
    return sha256_hex(program);
}

bool wait_for_sha(pid_t pid, const std::string& sha) {
    for (int i = 0; i < 500; ++i) {
        std::error_code ec;
        if (fs::exists("/proc/" + std::to_string(pid) + "/exe", ec) &&
            file_sha256("/proc/" + std::to_string(pid) + "/exe") == sha) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

const json* process(const std::vector<json>& records, pid_t pid) {
    for (const auto& r : records) {
        if (r["pid"] == pid) return &r;
    }
    return nullptr;
}

TEST(PackageTrust, ModifiedPackageBinaryIsFlaggedTriagedAndSampled) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for a private mount namespace";
    if (!fs::exists("/var/lib/dpkg/info/coreutils.md5sums")) {
        GTEST_SKIP() << "no dpkg database with coreutils on this host";
    }
    TempDir tmp("irsnap-pkg");
    const fs::path modified = tmp.path() / "sleep-modified";
    const std::string modified_sha = plant_sleep(modified);
    const fs::path copied = tmp.path() / "sleep-copy";
    const std::string copied_sha = plant_sleep(copied);
    const std::string real_sha = file_sha256("/usr/bin/sleep");

    // The bind mount lives and dies with the namespace: the host's /usr/bin/sleep is untouched.
    pid_t trojan =
        spawn({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
               "mount --bind \"$0\" /usr/bin/sleep && exec /usr/bin/sleep 30", modified.string()});
    pid_t unowned = spawn({copied.string(), "30"});
    pid_t genuine = spawn({"/usr/bin/sleep", "30"});
    ASSERT_TRUE(wait_for_sha(trojan, modified_sha)) << "the bind-mounted copy did not start";
    ASSERT_TRUE(wait_for_sha(unowned, copied_sha));
    ASSERT_TRUE(wait_for_sha(genuine, real_sha));
    EXPECT_EQ(file_sha256("/usr/bin/sleep"), real_sha) << "the host's file changed";

    const fs::path out = tmp.path() / "out";
    auto run = run_command({irsnap_binary(), "collect", "-o", out.string(), "-q", "--collectors",
                            "system,processes,modules,samples"});
    kill_and_reap(trojan);
    kill_and_reap(unowned);
    kill_and_reap(genuine);
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const fs::path bundle = only_bundle(out);

    const auto processes = read_jsonl(artifact(bundle, "processes"));
    const json* t = process(processes, trojan);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ((*t)["exe_path"], "/usr/bin/sleep");
    EXPECT_EQ((*t)["exe_sha256"], modified_sha);
    EXPECT_EQ((*t)["exe_package"], "coreutils");
    EXPECT_EQ((*t)["exe_package_manager"], "dpkg");
    EXPECT_EQ((*t)["exe_package_verdict"], "modified") << t->dump();
    EXPECT_EQ((*t)["exe_package_algorithm"], "md5");
    EXPECT_NE((*t)["exe_package_digest"], (*t)["exe_package_file_digest"]);
    const json* u = process(processes, unowned);
    ASSERT_NE(u, nullptr);
    EXPECT_EQ((*u)["exe_package_verdict"], "unowned") << u->dump();
    EXPECT_TRUE((*u)["exe_package"].is_null());
    const json* g = process(processes, genuine);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ((*g)["exe_package_verdict"], "verified") << g->dump();
    EXPECT_EQ((*g)["exe_package"], "coreutils");
    EXPECT_EQ((*g)["exe_package_digest"], (*g)["exe_package_file_digest"]);

    // The host record says what was read.
    bool packages_record = false;
    for (const auto& r : read_jsonl(artifact(bundle, "system"))) {
        if (r["record_type"] != "packages") continue;
        packages_record = true;
        EXPECT_EQ(r["package_managers"], json::array({"dpkg"}));
        EXPECT_GT(r["packages_indexed"].get<int64_t>(), 10);
        EXPECT_GT(r["paths_indexed"].get<int64_t>(), 1000);
    }
    EXPECT_TRUE(packages_record);

    // Taken as a specimen for its verdict alone (/usr/bin is no temporary place).
    bool sampled = false;
    for (const auto& r : read_jsonl(artifact(bundle, "samples"))) {
        if (r["sha256"] != modified_sha) continue;
        sampled = true;
        EXPECT_EQ(r["status"], "copied") << r.dump();
        EXPECT_NE(r["reasons"].dump().find("package_modified"), std::string::npos) << r.dump();
    }
    EXPECT_TRUE(sampled) << "the modified package binary was not sampled";

    auto triage = run_command({irsnap_binary(), "triage", bundle.string(), "--json"});
    ASSERT_EQ(triage.exit_code, 0) << triage.err;
    const json report = json::parse(triage.out);
    bool raised = false;
    for (const auto& f : report["findings"]) {
        if (f["rule_id"] != "IRS-PKG-001") continue;
        for (const auto& e : f["evidence"]) {
            if (e["fields"].value("pid", 0) != trojan) continue;
            raised = true;
            EXPECT_TRUE(f["urgency"] == "high" || f["urgency"] == "critical") << f.dump();
            // The package's digest beside the file's, from the process or a module record.
            const json& fields = e["fields"];
            EXPECT_EQ(fields.contains("exe_package_digest") ? fields["exe_package_digest"]
                                                            : fields["package_digest"],
                      (*t)["exe_package_digest"]);
        }
        // The genuine binary is never a finding.
        for (const auto& e : f["evidence"]) EXPECT_NE(e["fields"].value("pid", 0), genuine);
    }
    EXPECT_TRUE(raised) << report.dump(1);
}

}  // namespace
}  // namespace irsnap::test
