// SPDX-License-Identifier: Apache-2.0
// Each triage rule over literal records: what must fire, what must not, and the evidence place.
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include "analysis/rules.hpp"
#include "irsnap/triage.hpp"

namespace irsnap::triage {
namespace {

using nlohmann::json;

/// Records of one collector, one JSON text per line, numbered from 1 as in an artifact.
Input input_of(std::initializer_list<std::pair<std::string, std::vector<std::string>>> sets) {
    Input in;
    for (const auto& [collector, lines] : sets) {
        auto& records = in.records[collector];
        for (size_t i = 0; i < lines.size(); ++i) {
            records.push_back(
                {"artifacts/07_" + collector + ".jsonl", i + 1, json::parse(lines[i])});
        }
    }
    return in;
}

std::vector<Finding> of_rule(const Input& in, std::string_view id) {
    std::vector<Finding> out;
    for (auto& f : run_rules(in)) {
        if (f.rule_id == id) out.push_back(std::move(f));
    }
    return out;
}

TEST(TriageRules, RegistryHasUniqueIdsSpecsAndReadsOnlyRealCollectors) {
    std::set<std::string_view> ids;
    const std::set<std::string> collectors = {
        "processes",        "network",    "modules", "autoruns",  "kernel_modules",
        "hidden_processes", "interfaces", "routes",  "neighbors", "samples"};
    for (const Rule& r : rules()) {
        EXPECT_TRUE(ids.insert(r.id).second) << r.id;
        EXPECT_FALSE(r.title.empty()) << r.id;
        EXPECT_GT(r.rationale.size(), 40u) << r.id;
        EXPECT_NE(r.start, nullptr) << r.id;
    }
    for (const auto& c : needed_collectors()) EXPECT_TRUE(collectors.count(c)) << c;
    // Specimens are read whatever the rules read: every finding may name them.
    const auto needed = needed_collectors();
    EXPECT_NE(std::find(needed.begin(), needed.end(), "samples"), needed.end());
    EXPECT_GE(rules().size(), 20u);
}

TEST(TriageRules, HiddenProcessFindingsButNotTheScanRecord) {
    auto in =
        input_of({{"hidden_processes",
                   {R"({"kind":"scan","findings":2})",
                    R"({"kind":"unlisted_pid","pid":4242,"name":"evil","why":"answers kill"})",
                    R"({"kind":"listed_pid_not_answering","pid":7,"why":"gone"})"}}});
    auto f = of_rule(in, "IRS-HID-001");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].urgency, Urgency::critical);
    EXPECT_EQ(f[0].evidence[0].line, 2u);
    EXPECT_EQ(f[0].evidence[0].fields["pid"], 4242);
    EXPECT_EQ(f[0].why, "answers kill");
    EXPECT_EQ(f[1].urgency, Urgency::medium);  // a race is likelier than a rootkit
}

TEST(TriageRules, CrossViewSocketModuleAndInterface) {
    auto in = input_of(
        {{"network",
          {R"({"protocol":"tcp","local_address":"10.0.0.1","local_port":22,"remote_address":"1.2.3.4","remote_port":4444,"state":"ESTABLISHED","cross_view_discrepancy":true,"discrepancy":"hidden from /proc/net"})",
           R"({"protocol":"tcp","local_address":"10.0.0.1","local_port":22,"state":"LISTEN","cross_view_discrepancy":false})"}},
         {"kernel_modules",
          {R"({"kind":"module","name":"diamorphine","cross_view_discrepancy":true,"discrepancy":"missing from /proc/modules"})"}},
         {"interfaces", {R"({"name":"tun9","cross_view_discrepancy":true,"discrepancy":"x"})"}}});
    auto sockets = of_rule(in, "IRS-HID-002");
    ASSERT_EQ(sockets.size(), 1u);
    EXPECT_NE(sockets[0].why.find("hidden from /proc/net"), std::string::npos);
    EXPECT_EQ(sockets[0].evidence[0].line, 1u);
    auto modules = of_rule(in, "IRS-HID-003");
    ASSERT_EQ(modules.size(), 1u);
    EXPECT_NE(modules[0].why.find("diamorphine"), std::string::npos);
    EXPECT_EQ(of_rule(in, "IRS-HID-004").size(), 1u);
}

TEST(TriageRules, DeletedMemfdAndTemporaryExecutables) {
    auto in = input_of(
        {{"processes",
          {R"({"pid":10,"name":"sshd","exe_path":"/usr/sbin/sshd","exe_deleted":true,"exe_memfd":false})",
           R"({"pid":11,"name":"x","exe_path":"/memfd:x","exe_deleted":true,"exe_memfd":true})",
           R"({"pid":12,"name":"miner","exe_path":"/dev/shm/.x/miner","exe_deleted":false})",
           R"({"pid":13,"name":"bash","exe_path":"/usr/bin/bash","exe_deleted":false})",
           R"({"pid":14,"name":"a.exe","exe_path":"C:\\Users\\bob\\AppData\\Local\\Temp\\a.exe"})"}}});
    auto deleted = of_rule(in, "IRS-EXE-001");
    ASSERT_EQ(deleted.size(), 1u);  // the memfd one is IRS-EXE-002, not both
    EXPECT_EQ(deleted[0].evidence[0].fields["pid"], 10);
    auto memfd = of_rule(in, "IRS-EXE-002");
    ASSERT_EQ(memfd.size(), 1u);
    EXPECT_EQ(memfd[0].evidence[0].fields["pid"], 11);
    EXPECT_EQ(memfd[0].urgency, Urgency::critical);
    auto temp = of_rule(in, "IRS-EXE-003");
    ASSERT_EQ(temp.size(), 2u);
    EXPECT_EQ(temp[0].evidence[0].fields["pid"], 12);
    EXPECT_EQ(temp[1].evidence[0].fields["pid"], 14);
}

TEST(TriageRules, KernelThreadNamesOnUserSpaceProgramsOnly) {
    auto in = input_of(
        {{"processes",
          {R"({"pid":2,"name":"kthreadd","kernel_thread":true,"argv":[],"exe_path":null})",
           R"({"pid":20,"name":"kworker/0:2","kernel_thread":false,"argv":["kworker/0:2"],"exe_path":"/tmp/k"})",
           R"({"pid":21,"name":"xmrig","kernel_thread":false,"argv":["[ksoftirqd/1]"],"exe_path":"/usr/bin/xmrig"})",
           R"({"pid":22,"name":"nginx","kernel_thread":false,"argv":["nginx: worker"],"exe_path":"/usr/sbin/nginx"})"}}});
    auto f = of_rule(in, "IRS-EXE-004");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].evidence[0].fields["pid"], 20);
    EXPECT_EQ(f[1].evidence[0].fields["pid"], 21);
    EXPECT_NE(f[1].why.find("[ksoftirqd/1]"), std::string::npos);
    EXPECT_TRUE(of_rule(in, "IRS-EXE-005").empty()) << "kernel-thread names are EXE-004 only";
}

TEST(TriageRules, NameMismatchAllowsTruncationAndScripts) {
    auto in = input_of(
        {{"processes",
          {R"({"pid":30,"name":"systemd-journal","argv":["/lib/systemd/systemd-journald"],"exe_path":"/usr/lib/systemd/systemd-journald"})",
           R"({"pid":31,"name":"backup.py","argv":["/usr/bin/python3","/opt/backup.py"],"exe_path":"/usr/bin/python3.11"})",
           R"({"pid":32,"name":"sshd","argv":["sshd"],"exe_path":"/var/lib/.cache/nc"})"}}});
    auto f = of_rule(in, "IRS-EXE-005");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].evidence[0].fields["pid"], 32);
    EXPECT_EQ(f[0].urgency, Urgency::low);
}

TEST(TriageRules, PreloadAndAuditVariables) {
    auto in = input_of(
        {{"processes",
          {R"({"pid":40,"name":"a","ld_preload":"/usr/lib/libjemalloc.so","ld_audit":null})",
           R"({"pid":41,"name":"b","ld_preload":null,"ld_audit":"/tmp/a.so"})",
           R"({"pid":42,"name":"c","ld_preload":null,"ld_audit":null})"}}});
    auto f = of_rule(in, "IRS-ENV-001");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].urgency, Urgency::critical);  // from /tmp: sorted first
    EXPECT_EQ(f[0].evidence[0].fields["pid"], 41);
    EXPECT_EQ(f[1].urgency, Urgency::high);
    EXPECT_NE(f[1].why.find("LD_PRELOAD=/usr/lib/libjemalloc.so"), std::string::npos);
}

TEST(TriageRules, IrcSmtpAndMailServers) {
    const std::string irc =
        R"({"protocol":"tcp","local_address":"10.0.0.5","local_port":40000,"remote_address":"198.51.100.7","remote_port":6697,"state":"ESTABLISHED","owners":[{"pid":50,"name":"bot"}]})";
    const std::string smtp =
        R"({"protocol":"tcp","local_address":"10.0.0.5","local_port":40001,"remote_address":"198.51.100.8","remote_port":25,"state":"SYN_SENT","owners":[]})";
    const std::string closed_irc =
        R"({"protocol":"tcp","local_address":"10.0.0.5","local_port":40002,"remote_address":"198.51.100.7","remote_port":6667,"state":"TIME_WAIT"})";
    auto in = input_of({{"network", {irc, smtp, closed_irc}}});
    auto irc_f = of_rule(in, "IRS-NET-001");
    ASSERT_EQ(irc_f.size(), 1u);
    EXPECT_NE(irc_f[0].why.find("pid 50 (bot)"), std::string::npos) << irc_f[0].why;
    EXPECT_EQ(of_rule(in, "IRS-NET-002").size(), 1u);
    // The same traffic on a mail server is its job.
    auto mail = input_of(
        {{"network",
          {smtp,
           R"({"protocol":"tcp","local_address":"0.0.0.0","local_port":25,"remote_address":"0.0.0.0","remote_port":0,"state":"LISTEN"})"}}});
    EXPECT_TRUE(of_rule(mail, "IRS-NET-002").empty());
}

TEST(TriageRules, UnusualListenersSkipLoopbackCommonPortsAndClientUdp) {
    auto in = input_of(
        {{"network",
          {R"({"protocol":"tcp","local_address":"0.0.0.0","local_port":31337,"state":"LISTEN"})",
           R"({"protocol":"tcp","local_address":"::","local_port":8123,"state":"LISTEN"})",
           R"({"protocol":"tcp","local_address":"0.0.0.0","local_port":22,"state":"LISTEN"})",
           R"({"protocol":"tcp","local_address":"127.0.0.1","local_port":9999,"state":"LISTEN"})",
           R"({"protocol":"udp","local_address":"0.0.0.0","local_port":45678,"state":"CLOSE"})"}}});
    auto f = of_rule(in, "IRS-NET-003");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].urgency, Urgency::high);
    EXPECT_EQ(f[0].evidence[0].fields["local_port"], 31337);
    EXPECT_EQ(f[1].urgency, Urgency::low);
    EXPECT_EQ(f[1].evidence[0].fields["local_port"], 8123);
    EXPECT_NE(f[1].why.find("[::]:8123"), std::string::npos) << f[1].why;
}

// Windows's UDP table has no state: a bound UDP endpoint (state null) is a listener there.
TEST(TriageRules, WindowsUdpEndpointsWithoutStateAreListeners) {
    auto in = input_of(
        {{"network",
          {R"({"protocol":"udp","local_address":"0.0.0.0","local_port":31337,"state":null})",
           R"({"protocol":"udp","local_address":"0.0.0.0","local_port":50123,"state":null})",
           R"({"protocol":"udp","local_address":"127.0.0.1","local_port":31338,"state":null})"}}});
    auto f = of_rule(in, "IRS-NET-003");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].evidence[0].fields["local_port"], 31337);
}

TEST(TriageRules, PacketSocketsOfDhcpClientsAreLow) {
    auto in = input_of(
        {{"network",
          {R"({"protocol":"packet","local_port":3,"owners":[{"pid":60,"name":"dhclient"}]})",
           R"({"protocol":"packet","local_port":3,"owners":[{"pid":61,"name":"sniff"}]})",
           R"({"protocol":"tcp","local_port":80,"state":"LISTEN","local_address":"0.0.0.0"})"}}});
    auto f = of_rule(in, "IRS-NET-004");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].urgency, Urgency::medium);
    EXPECT_NE(f[0].why.find("sniff"), std::string::npos);
    EXPECT_EQ(f[1].urgency, Urgency::low);
}

TEST(TriageRules, MemoryRules) {
    auto in = input_of(
        {{"processes",
          {R"({"pid":70,"name":"x","exe_memfd":true,"exe_path":"/memfd:x"})",
           R"({"pid":75,"name":"y","exe_path":"/tmp/y"})",
           R"({"pid":71,"name":"app","signed":true})"}},
         {"modules",
          {R"({"kind":"anonymous_executable","pid":72,"process_name":"java","writable_executable_count":3})",
           R"({"kind":"anonymous_executable","pid":72,"process_name":"java","writable_executable_count":0})",
           R"({"kind":"file","pid":70,"path":"/memfd:x","memfd":true,"executable":true})",
           R"({"kind":"file","pid":73,"path":"/memfd:lib","memfd":true,"executable":true})",
           R"({"kind":"file","pid":74,"path":"/tmp/libx.so","memfd":false,"executable":true})",
           R"({"kind":"file","pid":75,"path":"/tmp/y","memfd":false,"executable":true})",
           R"({"kind":"file","pid":71,"path":"C:\\evil.dll","signed":false,"executable":true})",
           R"({"kind":"file","pid":71,"path":"C:\\good.dll","signed":true,"executable":true})"}}});
    auto wx = of_rule(in, "IRS-MEM-001");
    ASSERT_EQ(wx.size(), 1u);
    EXPECT_NE(wx[0].why.find("3 writable and executable anonymous ranges"), std::string::npos);
    auto code = of_rule(in, "IRS-MEM-002");
    ASSERT_EQ(code.size(), 2u);  // programs' own files (70, 75): IRS-EXE-002/003
    EXPECT_EQ(code[0].evidence[0].fields["pid"], 73);
    EXPECT_EQ(code[0].urgency, Urgency::critical);
    EXPECT_EQ(code[1].evidence[0].fields["pid"], 74);
    auto unsigned_dll = of_rule(in, "IRS-MEM-003");
    ASSERT_EQ(unsigned_dll.size(), 1u);
    EXPECT_EQ(unsigned_dll[0].evidence.size(), 2u);
    EXPECT_EQ(unsigned_dll[0].evidence[1].fields["pid"], 71);
}

TEST(TriageRules, ModulesThatAreNoFindingNeverUseUpTheCap) {
    // A bundle's order: processes, then modules. 1,500 unsigned DLLs of an unsigned program and
    // 1,500 programs mapping their own /tmp file come before the one unsigned DLL in a signed
    // program and the one foreign /tmp library: both must still be reported with evidence.
    Runner runner(k_max_findings_per_rule);
    auto add = [&](const char* collector, uint64_t line, const json& value) {
        runner.add(collector,
                   Record{std::string("artifacts/") + collector + ".jsonl", line, value});
    };
    add("processes", 1, {{"pid", 71}, {"name", "app"}, {"signed", true}});
    add("processes", 2, {{"pid", 80}, {"name", "tool"}, {"signed", false}});
    for (int i = 0; i < 1500; ++i) {
        add("processes", 3 + i, {{"pid", 1000 + i}, {"exe_path", "/tmp/p" + std::to_string(i)}});
    }
    uint64_t line = 1;
    for (int i = 0; i < 1500; ++i) {
        add("modules", line++,
            {{"kind", "file"},
             {"pid", 80},
             {"path", "C:\\x" + std::to_string(i) + ".dll"},
             {"signed", false},
             {"executable", true}});
        add("modules", line++,
            {{"kind", "file"},
             {"pid", 1000 + i},
             {"path", "/tmp/p" + std::to_string(i)},
             {"memfd", false},
             {"executable", true}});
    }
    add("modules", line++,
        {{"kind", "file"},
         {"pid", 71},
         {"path", "C:\\evil.dll"},
         {"signed", false},
         {"executable", true}});
    add("modules", line++,
        {{"kind", "file"},
         {"pid", 1000},
         {"path", "/tmp/libevil.so"},
         {"memfd", false},
         {"executable", true}});
    std::map<std::string, std::vector<Finding>> by_rule;
    for (auto& f : runner.finish(Context{})) by_rule[f.rule_id].push_back(std::move(f));
    ASSERT_EQ(by_rule["IRS-MEM-003"].size(), 1u);
    EXPECT_EQ(by_rule["IRS-MEM-003"][0].evidence.at(0).fields["path"], "C:\\evil.dll");
    ASSERT_EQ(by_rule["IRS-MEM-002"].size(), 1u);
    EXPECT_EQ(by_rule["IRS-MEM-002"][0].evidence.at(0).fields["path"], "/tmp/libevil.so");
}

TEST(TriageRules, AutorunPreloadMissingTemporaryAndRecent) {
    auto in = input_of(
        {{"autoruns",
          {R"({"category":"ld_so_preload","source_path":"/etc/ld.so.preload","source_line":1,"command":"/lib/x86_64-linux-gnu/libprocesshider.so"})",
           R"({"category":"cron","source_path":"/etc/crontab","source_line":9,"command":"/tmp/.x/run","target_path":"/tmp/.x/run","target_exists":false,"mtime":"2026-11-20T10:00:00Z","ctime":"2026-11-20T10:00:00Z"})",
           R"({"category":"systemd_unit","source_path":"/lib/systemd/system/p.service","command":"-/bin/plymouth quit","target_path":"/bin/plymouth","target_exists":false,"enabled":true,"mtime":"2020-01-01T00:00:00Z","ctime":"2020-01-01T00:00:00Z"})",
           R"({"category":"systemd_unit","source_path":"/etc/systemd/system/a.service","command":"/usr/bin/a","target_exists":true,"mtime":"2026-11-21T00:00:00.5Z","ctime":"2020-01-01T00:00:00Z"})",
           R"({"category":"systemd_unit","source_path":"/etc/systemd/system/a.service","command":"/usr/bin/a --reload","target_exists":true,"mtime":"2026-11-21T00:00:00.5Z","ctime":"2020-01-01T00:00:00Z"})"}}});
    in.collected_unix_ns = parse_utc_ns("2026-11-22T00:00:00Z");
    ASSERT_GT(in.collected_unix_ns, 0);
    EXPECT_EQ(of_rule(in, "IRS-PER-001").size(), 1u);
    auto missing = of_rule(in, "IRS-PER-002");
    ASSERT_EQ(missing.size(), 2u);
    EXPECT_EQ(missing[0].attack, "T1053.003");  // cron
    EXPECT_EQ(missing[0].urgency, Urgency::medium);
    EXPECT_EQ(missing[1].urgency, Urgency::low);  // systemd '-': optional by design
    auto temp = of_rule(in, "IRS-PER-003");
    ASSERT_EQ(temp.size(), 1u);
    EXPECT_EQ(temp[0].evidence[0].line, 2u);
    auto recent = of_rule(in, "IRS-PER-004");
    ASSERT_EQ(recent.size(), 2u);  // /etc/crontab and a.service, the latter once for two lines
    size_t evidence = recent[0].evidence.size() + recent[1].evidence.size();
    EXPECT_EQ(evidence, 3u);
    in.recent_days = 1;
    EXPECT_EQ(of_rule(in, "IRS-PER-004").size(), 1u);
    in.collected_unix_ns = 0;  // unknown collection time: no guessing
    EXPECT_TRUE(of_rule(in, "IRS-PER-004").empty());
}

TEST(TriageRules, ABurstOfChangedAutorunsIsOneLowFinding) {
    std::vector<std::string> lines;
    for (int i = 0; i < 12; ++i) {  // an upgrade: twelve units within two minutes
        lines.push_back(fmt::format(
            R"({{"category":"systemd_unit","source_path":"/lib/systemd/system/u{}.service","mtime":"2026-11-21T10:0{}:00Z"}})",
            i, i % 3));
    }
    lines.push_back(
        R"({"category":"cron","source_path":"/etc/cron.d/x","mtime":"2026-11-21T15:00:00Z"})");
    Input in;
    for (size_t i = 0; i < lines.size(); ++i) {
        in.records["autoruns"].push_back(
            {"artifacts/12_autoruns.jsonl", i + 1, json::parse(lines[i])});
    }
    in.collected_unix_ns = parse_utc_ns("2026-11-22T00:00:00Z");
    auto f = of_rule(in, "IRS-PER-004");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].urgency, Urgency::medium);  // the lone cron file, sorted first
    EXPECT_NE(f[0].why.find("/etc/cron.d/x"), std::string::npos);
    EXPECT_EQ(f[1].urgency, Urgency::low);
    EXPECT_EQ(f[1].evidence.size(), 12u);
    EXPECT_NE(f[1].why.find("12 autorun files changed together"), std::string::npos) << f[1].why;
}

TEST(TriageRules, TaintedKernelAndForeignModules) {
    auto in = input_of(
        {{"kernel_modules",
          {R"({"kind":"kernel","tainted":12288,"taint_flags":[{"bit":12,"letter":"O"},{"bit":13,"letter":"E"}]})",
           R"({"kind":"module","name":"vboxdrv","taint":"OE","file_path":"/lib/modules/6.1/misc/vboxdrv.ko"})",
           R"({"kind":"module","name":"rootkit","taint":"OE","file_path":null})",
           R"({"kind":"module","name":"ext4","taint":"","file_path":"/lib/modules/6.1/ext4.ko"})"}}});
    auto kernel = of_rule(in, "IRS-KRN-001");
    ASSERT_EQ(kernel.size(), 1u);
    EXPECT_EQ(kernel[0].urgency, Urgency::medium);
    EXPECT_NE(kernel[0].why.find("OE"), std::string::npos);
    auto modules = of_rule(in, "IRS-KRN-002");
    ASSERT_EQ(modules.size(), 2u);
    EXPECT_EQ(modules[0].urgency, Urgency::critical);
    EXPECT_EQ(modules[0].evidence[0].fields["name"], "rootkit");
    EXPECT_EQ(modules[1].urgency, Urgency::high);
}

TEST(TriageRules, FindingsAreSortedByUrgencyThenConfidence) {
    auto in = input_of(
        {{"processes",
          {R"({"pid":1,"name":"a","exe_path":"/usr/bin/b","argv":["a"]})",
           R"({"pid":2,"name":"x","exe_path":"/memfd:x","exe_memfd":true,"exe_deleted":true})"}}});
    auto all = run_rules(in);
    ASSERT_GE(all.size(), 2u);
    for (size_t i = 1; i < all.size(); ++i) {
        EXPECT_LE(all[i - 1].urgency, all[i].urgency);
    }
    EXPECT_EQ(all.front().rule_id, "IRS-EXE-002");
    EXPECT_EQ(all.back().rule_id, "IRS-EXE-005");
}

// ---- specimens -------------------------------------------------------------------------------

const std::string k_sha_evil(64, 'a');
const std::string k_sha_lib(64, 'b');
const std::string k_sha_other(64, 'c');

/// A samples record as the collector writes it (specimen_fields()).
std::string specimen(const std::string& sha, const std::string& path, const std::string& status,
                     const json& sources, const json& reasons = json::array({"deleted"})) {
    const bool copied = status == "copied";
    json r = {{"sha256", sha.empty() ? json(nullptr) : json(sha)},
              {"size", 4096},
              {"path", path.empty() ? json(nullptr) : json(path)},
              {"reasons", reasons},
              {"sources", sources},
              {"source_count", sources.size()},
              {"status", status},
              {"status_note", copied ? json(nullptr) : json("--max-evidence-bytes 1 reached")},
              {"archive", copied ? json("artifacts/11_samples.zip") : json(nullptr)},
              {"member", copied ? json(sha) : json(nullptr)},
              {"member_sha256", copied ? json(sha) : json(nullptr)},
              {"copied_bytes", copied ? json(4096) : json(nullptr)}};
    return r.dump();
}

json source(const std::string& kind, int pid, const std::string& path) {
    return {{"kind", kind},      {"pid", pid},
            {"process", "evil"}, {"handle", kind == "exe" ? json(nullptr) : json("fd 3")},
            {"path", path},      {"read_via", "/proc/" + std::to_string(pid) + "/exe"}};
}

TEST(TriageSpecimens, FindingsNameTheSpecimensOfTheirProcessesStrongestFirst) {
    auto in = input_of(
        {{"processes",
          {// Deleted, its content copied: joined by exe_sha256.
           R"({"pid":4242,"name":"evil","exe_path":"/tmp/x/evil","exe_deleted":true,"exe_memfd":false,"exe_sha256":")" +
               k_sha_evil + R"("})",
           // memfd, no specimen in the bundle: the finding names none.
           R"({"pid":77,"name":"x","exe_path":"/memfd:x","exe_deleted":true,"exe_memfd":true})"}},
         {"network",
          {R"({"protocol":"tcp","local_address":"10.0.0.1","local_port":40000,"remote_address":"192.0.2.66","remote_port":6667,"state":"ESTABLISHED","owners":[{"pid":4242,"name":"evil","fd":3}]})"}},
         {"samples",
          {specimen(k_sha_lib, "/dev/shm/libhide.so", "budget",
                    json::array({source("mapping", 4242, "/dev/shm/libhide.so")}),
                    json::array({"preload", "temporary_place"})),
           specimen(k_sha_evil, "/tmp/x/evil", "copied",
                    json::array({source("exe", 4242, "/tmp/x/evil")})),
           specimen(k_sha_other, "/tmp/other", "copied",
                    json::array({source("exe", 9, "/tmp/other")}))}}});
    auto deleted = of_rule(in, "IRS-EXE-001");
    ASSERT_EQ(deleted.size(), 1u);
    ASSERT_EQ(deleted[0].specimens.size(), 2u);
    const SpecimenRef& exe = deleted[0].specimens[0];
    EXPECT_EQ(exe.sha256, k_sha_evil);
    EXPECT_EQ(exe.match, "sha256");
    EXPECT_EQ(exe.status, "copied");
    EXPECT_EQ(exe.archive, "artifacts/11_samples.zip");
    EXPECT_EQ(exe.member, k_sha_evil);
    EXPECT_EQ(exe.artifact, "artifacts/07_samples.jsonl");
    EXPECT_EQ(exe.line, 2u);
    // What the process maps comes after its own program.
    EXPECT_EQ(deleted[0].specimens[1].sha256, k_sha_lib);
    EXPECT_EQ(deleted[0].specimens[1].match, "held");
    EXPECT_EQ(deleted[0].specimens[1].archive, "");
    EXPECT_EQ(specimen_text(exe), k_sha_evil + " in artifacts/11_samples.zip (copied)");
    EXPECT_EQ(specimen_text(deleted[0].specimens[1]),
              k_sha_lib +
                  " not copied (budget: --max-evidence-bytes 1 reached; mapped or held open: "
                  "/dev/shm/libhide.so)");
    const json as_json = to_json(deleted[0]);
    ASSERT_TRUE(as_json.contains("specimens"));
    EXPECT_EQ(as_json["specimens"][0]["sha256"], k_sha_evil);
    EXPECT_EQ(as_json["specimens"][0]["archive"], "artifacts/11_samples.zip");
    EXPECT_EQ(as_json["specimens"][0]["member"], k_sha_evil);
    EXPECT_EQ(as_json["specimens"][0]["status"], "copied");
    EXPECT_EQ(as_json["specimens"][0]["match"], "sha256");
    EXPECT_EQ(as_json["specimens"][0]["line"], 2);
    EXPECT_TRUE(as_json["specimens"][1]["archive"].is_null());

    // A socket's owner is a process the finding is about.
    auto irc = of_rule(in, "IRS-NET-001");
    ASSERT_EQ(irc.size(), 1u);
    ASSERT_EQ(irc[0].specimens.size(), 2u);
    EXPECT_EQ(irc[0].specimens[0].sha256, k_sha_evil);
    EXPECT_EQ(irc[0].specimens[0].match, "exe");
    EXPECT_EQ(irc[0].specimens[1].match, "held");

    // No specimen of pid 77: no specimens, and no key in the JSON.
    auto memfd = of_rule(in, "IRS-EXE-002");
    ASSERT_EQ(memfd.size(), 1u);
    EXPECT_TRUE(memfd[0].specimens.empty());
    EXPECT_FALSE(to_json(memfd[0]).contains("specimens"));
    // The other process's specimen is named by no finding about these processes.
    for (const auto& f : run_rules(in)) {
        for (const auto& s : f.specimens) {
            if (s.sha256 == k_sha_other) EXPECT_EQ(f.rule_id, "IRS-SMP-001") << f.why;
        }
    }
}

TEST(TriageSpecimens, JoinedByPathWhenTheEvidenceHasNoHashOrPid) {
    auto in = input_of(
        {{"autoruns",
          {R"({"category":"cron","source_path":"/etc/cron.d/x","source_line":1,"command":"/tmp/x/evil","target_path":"/tmp/x/evil","target_exists":true})"}},
         {"samples",
          {specimen(k_sha_evil, "/tmp/x/evil", "copied",
                    json::array({source("exe", 4242, "/tmp/x/evil")}))}}});
    auto f = of_rule(in, "IRS-PER-003");
    ASSERT_EQ(f.size(), 1u);
    ASSERT_EQ(f[0].specimens.size(), 1u);
    EXPECT_EQ(f[0].specimens[0].match, "path");
    EXPECT_EQ(f[0].specimens[0].sha256, k_sha_evil);
    EXPECT_EQ(specimen_text(f[0].specimens[0]),
              k_sha_evil + " in artifacts/11_samples.zip (copied; same path)");
}

TEST(TriageSpecimens, AFindingNamesAtMostTenAndNothingWithoutSamples) {
    std::vector<std::string> samples;
    for (int i = 0; i < 15; ++i) {
        std::string sha(64, 'd');
        sha.replace(0, 2, fmt::format("{:02x}", i));
        samples.push_back(specimen(sha, fmt::format("/tmp/lib{}.so", i), "copied",
                                   json::array({source("mapping", 4242, "/tmp/lib.so")})));
    }
    const std::string process =
        R"({"pid":4242,"name":"evil","exe_path":"/tmp/x/evil","exe_deleted":true})";
    auto in = input_of({{"processes", {process}}, {"samples", samples}});
    auto f = of_rule(in, "IRS-EXE-001");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].specimens.size(), k_max_specimens_per_finding);
    // Without a samples artifact (an older bundle, --no-samples) nothing changes.
    auto plain = of_rule(input_of({{"processes", {process}}}), "IRS-EXE-001");
    ASSERT_EQ(plain.size(), 1u);
    EXPECT_TRUE(plain[0].specimens.empty());
}

TEST(TriageSpecimens, HostileSpecimenRecordsNeitherCrashNorJoin) {
    auto in = input_of(
        {{"processes", {R"({"pid":5,"name":"a","exe_path":"/tmp/a","exe_deleted":true})"}},
         {"samples",
          {R"({"sha256":7,"sources":"x","status":["copied"]})",
           R"({"sources":[7,null,{"pid":"5"},{"pid":-5,"kind":"exe"},{"pid":5,"path":42}]})",
           R"({"sha256":"","path":"","sources":[{"pid":18446744073709551615}]})"}}});
    auto f = of_rule(in, "IRS-EXE-001");
    ASSERT_EQ(f.size(), 1u);
    // Only the one source with an integer pid 5 joins; its record has no hash and no status.
    ASSERT_EQ(f[0].specimens.size(), 1u);
    EXPECT_EQ(f[0].specimens[0].line, 2u);
    EXPECT_EQ(f[0].specimens[0].match, "held");
    EXPECT_EQ(specimen_text(f[0].specimens[0]),
              "(not hashed, no path) not copied (status unknown; mapped or held open)");
}

TEST(TriageSpecimens, SpecimensNotCopiedAreFindingsLowWhenOnlyTheirPlaceIsSuspicious) {
    auto in = input_of({{"samples",
                         {specimen(k_sha_evil, "/tmp/x/evil", "copied",
                                   json::array({source("exe", 4242, "/tmp/x/evil")})),
                          specimen(k_sha_lib, "/dev/shm/libhide.so", "budget",
                                   json::array({source("mapping", 4242, "/dev/shm/libhide.so")}),
                                   json::array({"preload", "temporary_place"})),
                          specimen(k_sha_other, "/tmp/big.bin", "too_large",
                                   json::array({source("descriptor", 9, "/tmp/big.bin")}),
                                   json::array({"temporary_place"})),
                          specimen("", "/memfd:x (deleted)", "denied",
                                   json::array({source("exe", 12, "")}), json::array({"memfd"})),
                          specimen(std::string(64, 'e'), "/usr/bin/a", "budget", json::array(),
                                   json::array({"all_executables"})),
                          specimen(std::string(64, 'f'), "/usr/bin/b", "budget", json::array(),
                                   json::array({"all_executables"})),
                          // Empty files share one record with nothing to copy: no finding.
                          specimen(std::string(64, 'a'), "/tmp/empty", "empty",
                                   json::array({source("descriptor", 7, "/tmp/empty")}),
                                   json::array({"deleted", "temporary_place"}))}}});
    auto f = of_rule(in, "IRS-SMP-001");
    ASSERT_EQ(f.size(), 4u);
    // medium first: the preloaded library over the budget, the memfd that was denied.
    EXPECT_EQ(f[0].urgency, Urgency::medium);
    EXPECT_EQ(f[0].evidence[0].line, 2u);
    EXPECT_EQ(f[0].why,
              "specimen /dev/shm/libhide.so (preload, temporary_place) was not copied: budget "
              "(--max-evidence-bytes 1 reached); held by pid 4242 (evil)");
    ASSERT_EQ(f[0].specimens.size(), 1u);
    EXPECT_EQ(f[0].specimens[0].match, "record");
    EXPECT_EQ(f[1].urgency, Urgency::medium);
    EXPECT_EQ(f[1].evidence[0].line, 4u);
    EXPECT_NE(f[1].why.find("denied"), std::string::npos);
    EXPECT_EQ(f[1].specimens.at(0).sha256, "");
    // Only where it lies: low, and says so.
    EXPECT_EQ(f[2].urgency, Urgency::low);
    EXPECT_EQ(f[2].evidence[0].line, 3u);
    EXPECT_NE(f[2].why.find("low: chosen for where it lies"), std::string::npos) << f[2].why;
    // --samples all-executables: one summary finding.
    EXPECT_EQ(f[3].urgency, Urgency::low);
    EXPECT_EQ(f[3].why,
              "2 specimens chosen only by --samples all-executables were not copied (budget 2)");
    EXPECT_EQ(f[3].evidence.size(), 2u);
}

TEST(TriageSpecimens, AMemberThatChangedWhileReadIsNoCopyEither) {
    json r = json::parse(specimen(k_sha_evil, "/tmp/x/evil", "copied",
                                  json::array({source("exe", 4242, "/tmp/x/evil")})));
    r["status"] = "changed_while_read";
    r["status_note"] = "the content changed between hashing and copying";
    auto f = of_rule(input_of({{"samples", {r.dump()}}}), "IRS-SMP-001");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].urgency, Urgency::medium);
    EXPECT_EQ(f[0].why,
              "specimen /tmp/x/evil (deleted) was copied, but not intact: changed_while_read (the "
              "content changed between hashing and copying); held by pid 4242 (evil)");
    ASSERT_EQ(f[0].specimens.size(), 1u);
    EXPECT_EQ(specimen_text(f[0].specimens[0]),
              k_sha_evil +
                  " in artifacts/11_samples.zip (changed_while_read: the content changed "
                  "between hashing and copying)");
}

TEST(TriageSpecimens, TheIndexIsBoundedAndManySpecimensOfOnePidStayCheap) {
    // A crafted bundle: more specimen records than a run can write, all held by one pid, and
    // many findings about that pid. The index stops at its cap; each finding names ten.
    SpecimenIndex index;
    const json sources = json::array({source("mapping", 5, "/tmp/lib.so")});
    Record r{"artifacts/11_samples.jsonl", 0, {}};
    for (size_t i = 0; i < k_max_specimens_indexed + 10; ++i) {
        r.line = i + 1;
        r.value = {
            {"sha256", fmt::format("{:064x}", i)}, {"sources", sources}, {"status", "copied"}};
        index.add(r);
    }
    EXPECT_EQ(index.size(), k_max_specimens_indexed);
    EXPECT_EQ(index.not_indexed(), 10u);
    std::vector<Finding> findings(2000);
    for (auto& f : findings) {
        f.evidence = {
            {"artifacts/07_processes.jsonl", 1, {{"pid", 5}, {"exe_path", "/tmp/lib.so"}}}};
    }
    index.attach(findings);
    for (const auto& f : findings) {
        ASSERT_EQ(f.specimens.size(), k_max_specimens_per_finding);
        EXPECT_EQ(f.specimens[0].match, "path");  // a path is a stronger match than holding
        EXPECT_EQ(f.specimens[0].line, 1u);
    }
}

TEST(TriageRules, HelpersParseTimesAndPlaces) {
    EXPECT_EQ(parse_utc_ns("1970-01-01T00:00:01.5Z"), 1500000000);
    EXPECT_EQ(parse_utc_ns("2026-11-22T07:30:34.533067Z") % 1000000000, 533067000);
    EXPECT_EQ(parse_utc_ns("yesterday"), 0);
    EXPECT_EQ(parse_utc_ns("7546-11-21T00:00:00Z"), 0);  // past int64 nanoseconds (fuzz find)
    EXPECT_EQ(parse_utc_ns("1969-12-31T23:59:59Z"), 0);
    EXPECT_GT(parse_utc_ns("2262-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_utc_ns("2026-11-22T07:30:34+01:00"), 0);
    EXPECT_TRUE(is_temporary_place("/tmp/a"));
    EXPECT_TRUE(is_temporary_place("c:/Users/x/Downloads/a.exe"));
    EXPECT_FALSE(is_temporary_place("/tmpfoo/a"));
    EXPECT_FALSE(is_temporary_place("/usr/bin/tmp"));
    EXPECT_FALSE(is_temporary_place("relative\\temp\\x"));
}

}  // namespace
}  // namespace irsnap::triage
