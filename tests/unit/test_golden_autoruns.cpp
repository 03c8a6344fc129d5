// SPDX-License-Identifier: Apache-2.0
// The autoruns collector over tests/fixtures/autoruns/basic (a host root with one planted entry
// of every kind), compared with tests/golden/autoruns_basic.jsonl, plus checks that do not depend
// on the golden file: digests, enabled state, symlinks kept inside the root, and the live host.
// Regenerate the golden file with IRSNAP_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "autoruns/autoruns.hpp"
#include "fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/hash_cache.hpp"

namespace irsnap::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path k_fixture = fs::path(IRSNAP_FIXTURE_DIR) / "autoruns" / "basic";

/// Times, owners and umask-dependent modes come from the checkout, not from the fixture.
json normalise(json r) {
    r["mtime"] = "<checkout>";
    r["ctime"] = "<checkout>";
    r["owner_uid"] = "<checkout>";
    const std::string mode = r["mode"];
    r["mode"] = (std::stoi(mode, nullptr, 8) & 0100) ? "<executable>" : "<not executable>";
    if (r["category"] == "at_job") {  // the job runs as the spool file's owner: the checkout's
        r["user"] = "<checkout>";
        r["uid"] = "<checkout>";
    }
    return r;
}

MemorySink collect_fixture(bool hash, const fs::path& root = k_fixture) {
    Context ctx;
    ctx.proc_root = root / "proc";
    ctx.host_root = root;
    HashCache hashes(2, 0, nullptr);
    if (hash) ctx.hashes = &hashes;
    MemorySink sink;
    collectors::collect_autoruns(ctx, sink);
    return sink;
}

std::vector<const json*> find(const MemorySink& sink, const std::string& category,
                              const std::string& source_path) {
    std::vector<const json*> out;
    for (const auto& r : sink.records) {
        if (r["category"] == category && r["source_path"] == source_path) out.push_back(&r);
    }
    return out;
}

TEST(GoldenAutoruns, BasicFixtureMatchesGolden) {
    MemorySink sink = collect_fixture(true);
    std::string actual;
    for (const auto& r : sink.records) actual += normalise(r).dump() + "\n";
    const auto golden_path = fs::path(IRSNAP_GOLDEN_DIR) / "autoruns_basic.jsonl";
    if (std::getenv("IRSNAP_UPDATE_GOLDEN")) {
        std::ofstream(golden_path, std::ios::binary) << actual;
        GTEST_SKIP() << "golden file rewritten: " << golden_path;
    }
    EXPECT_EQ(read_text_file(golden_path), actual) << "golden: " << golden_path;
}

TEST(GoldenAutoruns, EveryCategoryIsFound) {
    MemorySink sink = collect_fixture(false);
    std::set<std::string> seen;
    for (const auto& r : sink.records) seen.insert(r["category"].get<std::string>());
    for (const char* c :
         {"systemd_unit", "systemd_timer", "systemd_generator", "sysv_init", "rc_local", "cron",
          "cron_script", "anacron", "at_job", "shell_startup", "ld_so_preload", "kernel_module",
          "modprobe_hook", "udev_rule", "xdg_autostart", "ssh_authorized_key", "motd_script"}) {
        EXPECT_TRUE(seen.count(c)) << "no " << c << " record";
    }
}

TEST(GoldenAutoruns, MalformedLinesAreItemErrorsNotCrashes) {
    MemorySink sink = collect_fixture(false);
    std::set<std::string> paths;
    for (const auto& e : sink.errors) {
        EXPECT_EQ(e.stage, "parse") << e.path << ": " << e.message;
        paths.insert(e.path);
    }
    EXPECT_EQ(paths, (std::set<std::string>{"/etc/cron.d/evil", "/etc/modprobe.d/evil.conf",
                                            "/etc/udev/rules.d/99-evil.rules"}));
    EXPECT_TRUE(sink.notes.empty());
}

TEST(GoldenAutoruns, TargetsAreResolvedAndHashed) {
    MemorySink sink = collect_fixture(true);
    const std::string backdoor_sha = sha256_hex(read_text_file(k_fixture / "usr/bin/backdoor"));
    auto evil = find(sink, "systemd_unit", "/etc/systemd/system/evil.service");
    ASSERT_EQ(evil.size(), 3u);  // ExecStartPre, ExecStart, ExecStop
    const json& start = *evil[1];
    EXPECT_EQ(start["details"]["directive"], "ExecStart");
    EXPECT_EQ(start["command"], "/usr/bin/backdoor  --daemon  --verbose");
    EXPECT_EQ(start["source_line"], 8);
    EXPECT_EQ(start["user"], "alice");
    EXPECT_EQ(start["uid"], 1000);
    EXPECT_EQ(start["target_path"], "/usr/bin/backdoor");
    EXPECT_EQ(start["target_exists"], true);
    EXPECT_EQ(start["target_sha256"], backdoor_sha);
    EXPECT_EQ((*evil[0])["target_sha256"], backdoor_sha);  // "-" prefix stripped
    const json& stop = *evil[2];
    EXPECT_TRUE(stop["target_path"].is_null());  // a bare name found nowhere in PATH
    EXPECT_EQ(stop["target_exists"], false);
    EXPECT_TRUE(stop["target_sha256"].is_null());

    // A PATH search after an environment assignment, in the system crontab.
    auto cron = find(sink, "cron", "/etc/crontab");
    ASSERT_EQ(cron.size(), 2u);
    EXPECT_EQ((*cron[1])["user"], "alice");
    EXPECT_EQ((*cron[1])["target_path"], "/usr/bin/backdoor");
    EXPECT_EQ((*cron[1])["target_sha256"], backdoor_sha);

    auto preload = find(sink, "ld_so_preload", "/etc/ld.so.preload");
    ASSERT_EQ(preload.size(), 2u);
    EXPECT_EQ((*preload[0])["target_path"], "/usr/lib/libevil.so");
    EXPECT_EQ((*preload[0])["target_exists"], true);
    EXPECT_EQ((*preload[1])["target_path"], "/lib/libmissing.so");  // as written: missing
    EXPECT_EQ((*preload[1])["target_exists"], false);

    // udev looks for relative programs in its own directory.
    bool helper = false;
    for (const auto* r : find(sink, "udev_rule", "/etc/udev/rules.d/99-evil.rules")) {
        if ((*r)["details"]["key"] == "PROGRAM") {
            helper = true;
            EXPECT_EQ((*r)["target_path"], "/usr/lib/udev/helper.sh");
        }
    }
    EXPECT_TRUE(helper);

    // Without a hash cache, nothing is hashed, but targets are still resolved.
    MemorySink unhashed = collect_fixture(false);
    for (const auto& r : unhashed.records) EXPECT_TRUE(r["target_sha256"].is_null());
}

TEST(GoldenAutoruns, EnabledStateAndDedupedMergedUsr) {
    MemorySink sink = collect_fixture(false);
    auto enabled = [&](const std::string& category, const std::string& path) -> json {
        auto found = find(sink, category, path);
        return found.empty() ? json("missing") : (*found[0])["enabled"];
    };
    EXPECT_EQ(enabled("systemd_unit", "/etc/systemd/system/evil.service"), true);
    EXPECT_EQ(enabled("systemd_unit", "/usr/lib/systemd/system/disabled.service"), false);
    // Linked by an absolute symlink, which must be read under the root, not on this host.
    EXPECT_EQ(enabled("systemd_timer", "/usr/lib/systemd/system/cleanup.timer"), true);
    EXPECT_EQ(enabled("systemd_unit", "/home/alice/.config/systemd/user/miner.service"), true);
    EXPECT_EQ(enabled("sysv_init", "/etc/init.d/evil-init"), true);
    EXPECT_EQ(enabled("sysv_init", "/etc/init.d/old-init"), false);
    EXPECT_EQ(enabled("xdg_autostart", "/etc/xdg/autostart/evil.desktop"), true);
    EXPECT_EQ(enabled("xdg_autostart", "/etc/xdg/autostart/off.desktop"), false);
    EXPECT_EQ(enabled("xdg_autostart", "/home/alice/.config/autostart/tray.desktop"), false);
    EXPECT_EQ(enabled("cron", "/etc/cron.d/evil.dpkg-old"), false);
    // /lib is a link to usr/lib: its units are listed once, under the canonical path.
    EXPECT_EQ(find(sink, "systemd_unit", "/usr/lib/systemd/system/disabled.service").size(), 2u);
    EXPECT_TRUE(find(sink, "systemd_unit", "/lib/systemd/system/disabled.service").empty());
    for (const auto& r : sink.records) {
        const std::string p = r["source_path"];
        EXPECT_EQ(p.find(k_fixture.string()), std::string::npos) << "host root leaked: " << p;
        EXPECT_EQ(p.front(), '/');
    }
}

TEST(GoldenAutoruns, SshKeysAndNonUtf8Lines) {
    MemorySink sink = collect_fixture(true);
    auto keys = find(sink, "ssh_authorized_key", "/home/alice/.ssh/authorized_keys");
    ASSERT_EQ(keys.size(), 2u);
    const json& planted = *keys[1];
    EXPECT_EQ(planted["user"], "alice");
    EXPECT_EQ(planted["details"]["comment"], "planted key");
    EXPECT_EQ(planted["details"]["fingerprint"],
              "SHA256:/sfeYa1E2J36FEH5oWTtwlAnoaI8LZpDBl6oaJeV0AE");
    EXPECT_EQ(planted["details"]["options"]["command"], "/usr/bin/backdoor --ssh \"a, b\"");
    EXPECT_EQ(planted["details"]["options"]["from"], "10.0.0.1,192.168.0.0/16");
    EXPECT_EQ(planted["details"]["options"]["no-pty"], true);
    EXPECT_EQ(planted["target_path"], "/usr/bin/backdoor");
    EXPECT_EQ(find(sink, "ssh_authorized_key", "/root/.ssh/authorized_keys2").size(), 1u);

    bool escaped = false;
    for (const auto* r : find(sink, "cron", "/etc/cron.d/evil")) {
        if (!r->contains("escaped_fields")) continue;
        escaped = true;
        EXPECT_EQ((*r)["command"], "/usr/bin/backdoor \\xff");
        EXPECT_EQ((*r)["escaped_fields"], json::array({"command"}));
    }
    EXPECT_TRUE(escaped);
}

TEST(GoldenAutoruns, SymlinksNeverLeaveTheRoot) {
    // An "outside" file next to the root, reached by a relative link climbing above the root
    // and by an absolute link naming its real location: both must resolve inside the root.
    TempDir tmp("irsnap-autoruns-escape");
    const fs::path root = tmp.path() / "root";
    fs::create_directories(root / "etc/cron.d");
    fs::create_directories(tmp.path() / "outside");
    std::ofstream(tmp.path() / "outside/evil") << "@reboot root /outside/bin\n";
    fs::create_symlink("../../../../../../outside/evil", root / "etc/cron.d/relative");
    fs::create_symlink(tmp.path() / "outside/evil", root / "etc/cron.d/absolute");
    fs::create_symlink("loop", root / "etc/cron.d/loop");
    // The same name inside the root is what an image's links really mean.
    fs::create_directories(root / "outside");
    std::ofstream(root / "outside/evil") << "@daily root /inside/bin\n";
    MemorySink sink = collect_fixture(false, root);
    ASSERT_EQ(sink.records.size(), 1u);  // "relative" only: the absolute target is re-rooted
    EXPECT_EQ(sink.records[0]["command"], "/inside/bin");
    EXPECT_EQ(sink.records[0]["source_path"], "/etc/cron.d/relative");
    // A self-referencing link is an error for that file, not for the run.
    ASSERT_EQ(sink.errors.size(), 1u);
    EXPECT_EQ(sink.errors[0].code, ELOOP);
    EXPECT_EQ(sink.errors[0].path, "/etc/cron.d/loop");
}

TEST(GoldenAutoruns, DeniedFilesAreItemErrorsAndCoverage) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run the collector as another user";
    TempDir tmp("irsnap-autoruns-denied");
    const fs::path root = tmp.path() / "root";
    fs::create_directories(root / "etc/cron.d");
    fs::permissions(tmp.path(), fs::perms(0755));
    std::ofstream(root / "etc/crontab") << "@reboot root /bin/visible\n";
    std::ofstream(root / "etc/cron.d/secret") << "@reboot root /bin/hidden\n";
    fs::permissions(root / "etc/cron.d/secret", fs::perms(0600));
    // The child drops to nobody, as a non-root run would be, and reports by its exit status.
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
        MemorySink sink = collect_fixture(false, root);
        if (sink.records.size() != 1 || sink.records[0]["command"] != "/bin/visible") _exit(11);
        if (sink.errors.size() != 1 || sink.errors[0].code != EACCES ||
            sink.errors[0].path != "/etc/cron.d/secret") {
            _exit(12);
        }
        if (sink.notes.size() != 1 || sink.notes[0].find("1 autorun") != 0) _exit(13);
        _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10 setuid, 11 records, 12 errors, 13 coverage";
}

TEST(LiveAutoruns, CollectsFromThisHost) {
    Context ctx;  // host_root "/"
    HashCache hashes(2, 64 << 20, nullptr);
    ctx.hashes = &hashes;
    MemorySink sink;
    collectors::collect_autoruns(ctx, sink);
    const bool has_systemd = fs::exists("/lib/systemd/system") || fs::exists("/etc/systemd/system");
    const bool has_cron = fs::exists("/etc/crontab") || fs::exists("/etc/cron.d");
    if (!has_systemd && !has_cron) GTEST_SKIP() << "no systemd or cron files on this host";
    size_t systemd_or_cron = 0;
    for (const auto& r : sink.records) {
        const std::string c = r["category"];
        if (c.rfind("systemd_", 0) == 0 || c.rfind("cron", 0) == 0) ++systemd_or_cron;
        EXPECT_EQ(r["source_path"].get<std::string>().front(), '/');
    }
    EXPECT_GT(systemd_or_cron, 0u);
}

}  // namespace
}  // namespace irsnap::test
