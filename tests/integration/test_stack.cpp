// SPDX-License-Identifier: Apache-2.0
// `irsnap stack` over bundles the real binary collects from three "hosts": each collection runs
// in its own UTS, PID and mount namespace (own hostname, own process table under a fresh /proc),
// so what the hosts share and what only one has is known exactly, whatever else runs here.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "../unit/fixture_util.hpp"
#include "../unit/sqlite_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Exit code of the namespace helper when the kernel refuses the namespaces (no privilege).
constexpr int k_no_namespaces = 77;

/// Everything the forked helper needs, prepared before fork so that it only makes syscalls.
struct HostRun {
    std::string hostname;
    std::vector<std::string> collect_argv;
    std::string implant;  ///< "" = none; else started before the collection, killed after
};

std::vector<char*> c_argv(std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (auto& a : argv) out.push_back(a.data());
    out.push_back(nullptr);
    return out;
}

void sleep_ms(long ms) {
    timespec ts{0, ms * 1000000L};
    nanosleep(&ts, nullptr);
}

/// Pid 1 of the new namespaces: mounts its own /proc, names the host, starts the implant (if
/// any), runs the collection, and reports the collection's exit code.
[[noreturn]] void namespace_init(const HostRun& run, char** collect, char** implant) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0 ||
        sethostname(run.hostname.data(), run.hostname.size()) != 0) {
        _exit(k_no_namespaces);
    }
    pid_t implant_pid = -1;
    if (implant != nullptr) {
        implant_pid = fork();
        if (implant_pid == 0) {
            execv(implant[0], implant);
            _exit(127);
        }
        // The collection must see the implant's own executable, not this process's copy.
        char link[64], target[4096];
        snprintf(link, sizeof link, "/proc/%d/exe", implant_pid);
        for (int i = 0; i < 1000; ++i) {
            const ssize_t n = readlink(link, target, sizeof target - 1);
            if (n > 0 && static_cast<size_t>(n) == run.implant.size() &&
                memcmp(target, run.implant.data(), static_cast<size_t>(n)) == 0) {
                break;
            }
            sleep_ms(5);
        }
    }
    const pid_t collector = fork();
    if (collector == 0) {
        execv(collect[0], collect);
        _exit(127);
    }
    int status = 0;
    waitpid(collector, &status, 0);
    if (implant_pid > 0) {
        kill(implant_pid, SIGKILL);
        waitpid(implant_pid, nullptr, 0);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/// Runs one collection as its own host; returns irsnap's exit code or k_no_namespaces.
int collect_as_host(HostRun run) {
    std::vector<std::string> implant_argv = {run.implant};
    auto collect = c_argv(run.collect_argv);
    auto implant = c_argv(implant_argv);
    const pid_t outer = fork();
    if (outer == 0) {
        // The new PID namespace takes effect for children: the next fork is its pid 1.
        if (unshare(CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS) != 0) _exit(k_no_namespaces);
        const pid_t init = fork();
        if (init == 0)
            namespace_init(run, collect.data(), run.implant.empty() ? nullptr : implant.data());
        int status = 0;
        waitpid(init, &status, 0);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    int status = 0;
    waitpid(outer, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// A copy of the test child with bytes appended that only this run has: a unique SHA-256.
fs::path plant_unique_binary(const fs::path& dir) {
    const fs::path implant = dir / "implant";
    fs::copy_file(IRSNAP_TEST_CHILD, implant);
    std::ofstream(implant, std::ios::binary | std::ios::app)
        << "irsnap-stack-test " << getpid() << " " << time(nullptr) << " " << dir.string();
    fs::permissions(implant, fs::perms::owner_all);
    return implant;
}

const json* category(const json& result, const std::string& name) {
    for (const auto& c : result["categories"]) {
        if (c["name"] == name) return &c;
    }
    return nullptr;
}

TEST(StackFleet, PlantedBinaryRanksFirstWithCountOneAndTheSqliteExportAgrees) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for UTS, PID and mount namespaces";
    TempDir tmp("irsnap-stack-it");
    const fs::path implant = plant_unique_binary(tmp.path());
    const std::string implant_sha = file_sha256(implant);
    const fs::path fleet = tmp.path() / "fleet";
    fs::create_directories(fleet);

    const std::string tag = std::to_string(getpid());
    const std::vector<std::string> hosts = {"alpha-" + tag, "beta-" + tag, "gamma-" + tag};
    for (const auto& host : hosts) {
        HostRun run;
        run.hostname = host;
        run.collect_argv = {irsnap_binary(), "collect",           "-o", fleet.string(),
                            "--collectors",  "processes,modules", "-q"};
        if (host == hosts[1]) run.implant = implant.string();
        const int rc = collect_as_host(run);
        if (rc == k_no_namespaces) GTEST_SKIP() << "the kernel refused the namespaces";
        ASSERT_TRUE(rc == 0 || rc == 1) << host << ": irsnap collect exited " << rc;
    }

    auto stacked = run_command(
        {irsnap_binary(), "stack", fleet.string(), "--json", "--top", "0", "--only", "exe,module"});
    ASSERT_EQ(stacked.exit_code, 0) << stacked.err << stacked.out;  // every bundle verified
    const json result = json::parse(stacked.out);
    ASSERT_EQ(result["bundle_count"], 3);
    EXPECT_EQ(result["host_count"], 3);
    EXPECT_EQ(result["verified_count"], 3);

    const json* exe = category(result, "exe");
    ASSERT_NE(exe, nullptr);
    ASSERT_FALSE((*exe)["items"].empty());
    const json& first = (*exe)["items"][0];
    EXPECT_EQ(first["sha256"], implant_sha) << exe->dump(2);
    EXPECT_EQ(first["path"], implant.string());
    EXPECT_EQ(first["host_count"], 1);
    EXPECT_EQ(first["hosts"], json::array({hosts[1]}));
    // Each namespace ran the same test binary as its pid 1 and the same irsnap: on every host.
    for (size_t i = 1; i < (*exe)["items"].size(); ++i) {
        EXPECT_EQ((*exe)["items"][i]["host_count"], 3) << (*exe)["items"][i].dump();
    }

    // The implant is also a mapped file of its own process, on that host only.
    const json* module = category(result, "module");
    ASSERT_NE(module, nullptr);
    bool found = false;
    for (const auto& item : (*module)["items"]) {
        if (item["sha256"] != implant_sha) continue;
        found = true;
        EXPECT_EQ(item["host_count"], 1);
        EXPECT_EQ(item["hosts"], json::array({hosts[1]}));
    }
    EXPECT_TRUE(found) << "the implant is not among the stacked modules";

    // The SQLite export answers the same stacking question with SQL, and must agree item by
    // item: same (hash, path) pairs, same host counts.
    std::vector<std::string> export_argv = {irsnap_binary(), "export"};
    for (const auto& entry : fs::directory_iterator(fleet)) {
        if (entry.is_directory()) export_argv.push_back(entry.path().string());
    }
    const fs::path db = tmp.path() / "fleet.sqlite";
    for (const char* arg : {"--format", "sqlite", "-o"}) export_argv.emplace_back(arg);
    export_argv.push_back(db.string());
    auto exported = run_command(export_argv);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::set<std::tuple<std::string, std::string, std::string>> from_stack, from_sql;
    for (const auto& item : (*exe)["items"]) {
        from_stack.emplace(item["sha256"], item["path"],
                           std::to_string(item["host_count"].get<int>()));
    }
    SqliteReader sql(db);
    for (const auto& row : sql.rows(
             "SELECT exe_sha256, COALESCE(exe_path, ''), COUNT(DISTINCT host_id) FROM processes "
             "WHERE exe_sha256 IS NOT NULL AND exe_sha256 != '' "
             "GROUP BY exe_sha256, exe_path ORDER BY 3, 1")) {
        from_sql.emplace(row[0], row[1], row[2]);
    }
    EXPECT_EQ(from_sql, from_stack);
    EXPECT_EQ(sql.one("SELECT exe_sha256 FROM processes GROUP BY exe_sha256, exe_path "
                      "HAVING COUNT(DISTINCT host_id) = 1"),
              implant_sha);
}

TEST(StackFleet, ExitCodesFollowVerificationAndUsage) {
    TempDir tmp("irsnap-stack-it");
    const fs::path out = tmp.path() / "out";
    auto collected = run_command(
        {irsnap_binary(), "collect", "-o", out.string(), "--collectors", "processes", "-q"});
    ASSERT_TRUE(collected.exit_code == 0 || collected.exit_code == 1) << collected.err;
    const fs::path bundle = only_bundle(out);

    auto clean = run_command({irsnap_binary(), "stack", bundle.string()});
    EXPECT_EQ(clean.exit_code, 0) << clean.err;
    EXPECT_NE(clean.out.find("1 verified"), std::string::npos) << clean.out;

    // One byte more in an artifact: still stacked, named as not verified, exit 5.
    std::ofstream(artifact(bundle, "processes"), std::ios::binary | std::ios::app) << "\n";
    auto tampered = run_command({irsnap_binary(), "stack", out.string(), "--json"});
    EXPECT_EQ(tampered.exit_code, 5) << tampered.err;
    const json result = json::parse(tampered.out);
    EXPECT_EQ(result["verified_count"], 0);
    EXPECT_EQ(result["bundles"][0]["verified"], false);
    const json* exe = category(result, "exe");
    ASSERT_NE(exe, nullptr);
    EXPECT_GT((*exe)["items_total"].get<int>(), 0);

    EXPECT_EQ(run_command({irsnap_binary(), "stack"}).exit_code, 2);
    EXPECT_EQ(run_command({irsnap_binary(), "stack", (tmp.path() / "missing").string()}).exit_code,
              2);
    EXPECT_EQ(run_command({irsnap_binary(), "stack", bundle.string(), "--only", "bogus"}).exit_code,
              2);
    EXPECT_EQ(run_command({irsnap_binary(), "stack", bundle.string(), "--top", "-1"}).exit_code, 2);
}

}  // namespace
}  // namespace irsnap::test
