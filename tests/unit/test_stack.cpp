// SPDX-License-Identifier: Apache-2.0
// The Stacker over literal records: what becomes an item, how hosts are counted, the order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "irsnap/stack.hpp"

namespace irsnap::stack {
namespace {

using nlohmann::json;
using Lines = std::vector<std::pair<std::string, std::string>>;

std::pair<std::string, std::string> process(const std::string& name, const std::string& path,
                                            const std::string& sha) {
    json r = {{"pid", 100},     {"name", name},           {"exe_path", path},
              {"argv", {name}}, {"kernel_thread", false}, {"exe_sha256", sha}};
    return {"processes", r.dump()};
}

std::pair<std::string, std::string> socket(const std::string& protocol, const std::string& state,
                                           const std::string& local, int local_port,
                                           const std::string& remote, int remote_port) {
    json r = {{"protocol", protocol},
              {"state", state},
              {"local_address", local},
              {"local_port", local_port},
              {"remote_address", remote},
              {"remote_port", remote_port},
              {"owners", json::array({{{"pid", 5}, {"name", "x"}}})}};
    return {"network", r.dump()};
}

/// prefix + number (operator+ on a literal and a temporary trips GCC 12's -Wrestrict).
std::string numbered(std::string prefix, int n) {
    prefix += std::to_string(n);
    return prefix;
}

const CategoryResult& of(const std::vector<CategoryResult>& all, Category c) {
    for (const auto& r : all) {
        if (r.category == c) return r;
    }
    throw std::runtime_error("category missing from the result");
}

/// Items of a category as "fields joined by |" -> host count, in result order.
std::vector<std::pair<std::string, uint32_t>> summary(const CategoryResult& r) {
    std::vector<std::pair<std::string, uint32_t>> out;
    for (const auto& item : r.items) {
        std::string key;
        for (const auto& f : item.fields) {
            if (!key.empty()) key += '|';
            key += f;
        }
        out.emplace_back(key, item.host_count);
    }
    return out;
}

TEST(Stack, CountsHostsAndListsTheRarestFirst) {
    Stacker s(Options{});
    s.add_bundle("web01", {process("sshd", "/usr/sbin/sshd", "aa"),
                           process("nginx", "/usr/sbin/nginx", "cc")});
    s.add_bundle("web02",
                 {process("sshd", "/usr/sbin/sshd", "aa"),
                  process("nginx", "/usr/sbin/nginx", "cc"), process("x", "/tmp/.x/x", "bb")});
    s.add_bundle("db01", {process("sshd", "/usr/sbin/sshd", "aa")});
    const auto result = s.result(0);
    const auto exe = summary(of(result, Category::exe));
    const std::vector<std::pair<std::string, uint32_t>> expected = {
        {"bb|/tmp/.x/x", 1}, {"cc|/usr/sbin/nginx", 2}, {"aa|/usr/sbin/sshd", 3}};
    EXPECT_EQ(exe, expected);
    const auto& rare = of(result, Category::exe).items.front();
    EXPECT_EQ(rare.hosts, std::vector<std::string>{"web02"});
    EXPECT_EQ(of(result, Category::exe).items.back().hosts,
              (std::vector<std::string>{"web01", "web02", "db01"}));
    EXPECT_EQ(summary(of(result, Category::process)).front(),
              (std::pair<std::string, uint32_t>{"x|/tmp/.x/x", 1}));
    EXPECT_EQ(s.host_count(), 3u);
}

TEST(Stack, EqualCountsAreOrderedByFields) {
    Stacker s(Options{});
    s.add_bundle("h1",
                 {process("b", "/b", "22"), process("a", "/a", "33"), process("c", "/c", "11")});
    const auto exe = summary(of(s.result(0), Category::exe));
    ASSERT_EQ(exe.size(), 3u);
    EXPECT_EQ(exe[0].first, "11|/c");
    EXPECT_EQ(exe[1].first, "22|/b");
    EXPECT_EQ(exe[2].first, "33|/a");
}

TEST(Stack, AHostWithTwoBundlesCountsOnce) {
    Stacker s(Options{});
    s.add_bundle("web01", {process("sshd", "/usr/sbin/sshd", "aa")});
    s.add_bundle("web01", {process("sshd", "/usr/sbin/sshd", "aa"),
                           process("sshd", "/usr/sbin/sshd", "aa")});
    s.add_bundle("web02", {process("sshd", "/usr/sbin/sshd", "aa")});
    EXPECT_FALSE(s.regroup_needed());
    const auto all = s.result(0);
    const auto& exe = of(all, Category::exe);
    ASSERT_EQ(exe.items.size(), 1u);
    EXPECT_EQ(exe.items[0].host_count, 2u);
    EXPECT_EQ(exe.items[0].hosts, (std::vector<std::string>{"web01", "web02"}));
    EXPECT_EQ(s.host_count(), 2u);
}

TEST(Stack, AHostComingBackAfterAnotherAsksForRegrouping) {
    Stacker s(Options{});
    s.add_bundle("web01", {process("sshd", "/usr/sbin/sshd", "aa")});
    s.add_bundle("web02", {process("sshd", "/usr/sbin/sshd", "aa")});
    EXPECT_FALSE(s.regroup_needed());
    s.add_bundle("web01", {process("sshd", "/usr/sbin/sshd", "aa")});
    EXPECT_TRUE(s.regroup_needed());
}

TEST(Stack, HostsListedIsCappedAndTheCountStaysExact) {
    Options options;
    options.hosts_listed = 2;
    Stacker s(options);
    for (int i = 0; i < 7; ++i) {
        s.add_bundle(numbered("h", i), {process("cron", "/usr/sbin/cron", "dd")});
    }
    const auto all = s.result(0);
    const auto& item = of(all, Category::exe).items.at(0);
    EXPECT_EQ(item.host_count, 7u);
    EXPECT_EQ(item.hosts, (std::vector<std::string>{"h0", "h1"}));
}

TEST(Stack, TopLimitsItemsShownNotItemsCounted) {
    Stacker s(Options{});
    Lines lines;
    for (int i = 0; i < 30; ++i) {
        lines.push_back(process(numbered("p", i), numbered("/bin/p", i), numbered("h", 100 + i)));
    }
    s.add_bundle("h", lines);
    s.add_bundle("g", {process("p5", "/bin/p5", "h105")});
    const auto all = s.result(4);
    const auto& exe = of(all, Category::exe);
    EXPECT_EQ(exe.items_total, 30u);
    ASSERT_EQ(exe.items.size(), 4u);
    for (const auto& item : exe.items) EXPECT_EQ(item.host_count, 1u);  // p5 (2 hosts) is last
}

TEST(Stack, ProcessesSkipKernelThreadsAndMissingHashes) {
    Stacker s(Options{});
    s.add_bundle("h", {{"processes", R"({"name":"kworker/0:1","kernel_thread":true,)"
                                     R"("exe_path":null,"exe_sha256":null})"},
                       {"processes", R"({"name":"agent","kernel_thread":false,)"
                                     R"("exe_path":null,"exe_sha256":null})"}});
    const auto result = s.result(0);
    EXPECT_EQ(of(result, Category::exe).items_total, 0u);
    EXPECT_EQ(summary(of(result, Category::process)),
              (std::vector<std::pair<std::string, uint32_t>>{{"agent|", 1}}));
}

TEST(Stack, ModulesAndKernelModulesTakeTheirKindOnly) {
    Stacker s(Options{});
    s.add_bundle("h",
                 {{"modules", R"({"kind":"file","path":"/usr/lib/libc.so.6","sha256":"c1",)"
                              R"("ranges":[{"start":"0x1","end":"0x2","perms":"r-xp"}]})"},
                  {"modules", R"({"kind":"file","path":"/memfd:x","deleted":true,"sha256":null})"},
                  {"modules", R"({"kind":"anonymous_executable","path":null,"sha256":null})"},
                  {"kernel_modules", R"({"kind":"kernel","tainted":0})"},
                  {"kernel_modules", R"({"kind":"module","name":"ext4","sha256":"e4"})"},
                  {"kernel_modules", R"({"kind":"module","name":"rootkit","sha256":null})"}});
    const auto result = s.result(0);
    EXPECT_EQ(summary(of(result, Category::module)),
              (std::vector<std::pair<std::string, uint32_t>>{{"c1|/usr/lib/libc.so.6", 1}}));
    EXPECT_EQ(summary(of(result, Category::kmod)),
              (std::vector<std::pair<std::string, uint32_t>>{{"ext4|e4", 1}, {"rootkit|", 1}}));
}

TEST(Stack, AutorunsKeyByCommandOrElseTarget) {
    Stacker s(Options{});
    s.add_bundle(
        "h", {{"autoruns", R"({"category":"cron","source_path":"/etc/crontab",)"
                           R"("command":"/usr/bin/backup -q","target_path":"/usr/bin/backup",)"
                           R"("target_sha256":"b1"})"},
              {"autoruns", R"({"category":"ld_so_preload","source_path":"/etc/ld.so.preload",)"
                           R"("command":"","target_path":"/lib/evil.so","target_sha256":null})"}});
    const auto result = s.result(0);
    EXPECT_EQ(summary(of(result, Category::autorun)),
              (std::vector<std::pair<std::string, uint32_t>>{
                  {"cron|/etc/crontab|/usr/bin/backup -q", 1},
                  {"ld_so_preload|/etc/ld.so.preload|/lib/evil.so", 1}}));
    EXPECT_EQ(summary(of(result, Category::autorun_target)),
              (std::vector<std::pair<std::string, uint32_t>>{{"b1|/usr/bin/backup", 1}}));
}

TEST(Stack, NetworkSplitsListenersOutgoingAndInbound) {
    Stacker s(Options{});
    // The inbound connection comes before its listener: direction is decided per bundle.
    s.add_bundle("h",
                 {socket("tcp", "ESTABLISHED", "10.0.0.2", 22, "10.9.9.9", 51234),
                  socket("tcp", "LISTEN", "0.0.0.0", 22, "0.0.0.0", 0),
                  socket("tcp", "LISTEN", "127.0.0.1", 5432, "0.0.0.0", 0),
                  socket("tcp", "LISTEN", "10.0.0.2", 8080, "0.0.0.0", 0),
                  socket("tcp", "ESTABLISHED", "10.0.0.2", 40000, "203.0.113.7", 6667),
                  socket("tcp", "TIME_WAIT", "10.0.0.2", 40001, "203.0.113.7", 443),
                  socket("udp", "CLOSE", "::", 53, "::", 0),
                  socket("udp", "ESTABLISHED", "10.0.0.2", 40002, "10.0.0.1", 53),
                  socket("tcp", "SYN_SENT", "10.0.0.2", 40003, "0.0.0.0", 0),
                  socket("raw", "CLOSE", "0.0.0.0", 1, "0.0.0.0", 0),
                  {"network", R"({"protocol":"unix","state":"LISTEN","local_address":"/run/x"})"}});
    const auto result = s.result(0);
    using V = std::vector<std::pair<std::string, uint32_t>>;
    EXPECT_EQ(summary(of(result, Category::listen)), (V{{"tcp|22|any", 1},
                                                        {"tcp|5432|loopback", 1},
                                                        {"tcp|8080|address", 1},
                                                        {"udp|53|any", 1}}));
    EXPECT_EQ(summary(of(result, Category::remote)), (V{{"tcp|10.9.9.9|22|in", 1},
                                                        {"tcp|203.0.113.7|443|out", 1},
                                                        {"tcp|203.0.113.7|6667|out", 1},
                                                        {"udp|10.0.0.1|53|out", 1}}));
    EXPECT_EQ(summary(of(result, Category::remote_port)),
              (V{{"tcp|443", 1}, {"tcp|6667", 1}, {"udp|53", 1}}));
}

TEST(Stack, ListenersOfOneBundleDoNotTurnTheNextBundlesConnectionsInbound) {
    Stacker s(Options{});
    s.add_bundle("a", {socket("tcp", "LISTEN", "0.0.0.0", 40000, "0.0.0.0", 0)});
    s.add_bundle("b", {socket("tcp", "ESTABLISHED", "10.0.0.3", 40000, "198.51.100.1", 443)});
    EXPECT_EQ(summary(of(s.result(0), Category::remote)),
              (std::vector<std::pair<std::string, uint32_t>>{{"tcp|198.51.100.1|443|out", 1}}));
}

TEST(Stack, LinesThatAreNotOneJsonObjectAreRefused) {
    Stacker s(Options{});
    s.begin_bundle();
    EXPECT_FALSE(s.add_line("processes", "not json"));
    EXPECT_FALSE(s.add_line("processes", "[1,2]"));
    EXPECT_FALSE(s.add_line("processes", R"("text")"));
    EXPECT_FALSE(s.add_line("processes", R"({"name":"a"} {"name":"b"})"));
    EXPECT_FALSE(s.add_line("processes", R"({"name":"a","exe_sha256":"x")"));
    EXPECT_TRUE(s.add_line("processes", R"({"name":"ok","exe_sha256":"ff","exe_path":"/ok"})"));
    s.end_bundle("h");
    const auto all = s.result(0);
    const auto& exe = of(all, Category::exe);
    ASSERT_EQ(exe.items.size(), 1u);
    EXPECT_EQ(exe.items[0].fields, (std::vector<std::string>{"ff", "/ok"}));
}

TEST(Stack, FieldsWithSeparatorLikeBytesStayDistinct) {
    Stacker s(Options{});
    // Same concatenation, different split: must be two items.
    s.add_bundle("h", {{"autoruns", R"({"category":"cron","source_path":"/a:1","command":"b"})"},
                       {"autoruns", R"({"category":"cron","source_path":"/a","command":":1b"})"}});
    EXPECT_EQ(of(s.result(0), Category::autorun).items_total, 2u);
}

TEST(Stack, OnlyKeepsTheChosenCategories) {
    Options options;
    options.only = {Category::listen};
    EXPECT_EQ(options.collectors(), std::set<std::string>{"network"});
    Stacker s(options);
    s.add_bundle("h", {process("a", "/a", "aa"), socket("tcp", "LISTEN", "::", 22, "::", 0)});
    const auto result = s.result(0);
    ASSERT_EQ(result.size(), 1u);
    EXPECT_EQ(result[0].category, Category::listen);
    EXPECT_EQ(result[0].items_total, 1u);
}

TEST(Stack, DiscardedBundleCountsNothing) {
    Stacker s(Options{});
    s.begin_bundle();
    s.add_line("processes", process("a", "/a", "aa").second);
    s.discard_bundle();
    s.add_bundle("h", {process("b", "/b", "bb")});
    const auto all = s.result(0);
    const auto& exe = of(all, Category::exe);
    EXPECT_EQ(exe.items_total, 1u);
    EXPECT_EQ(exe.items.at(0).fields.at(0), "bb");
}

TEST(Stack, SpecimensAreCountedByContentWhateverTheyWereCalled) {
    const std::string a(64, 'a');
    const std::string b(64, 'b');
    auto specimen = [](const std::string& sha, const std::string& path,
                       const std::string& status) -> std::pair<std::string, std::string> {
        json r = {{"sha256", sha.empty() ? json(nullptr) : json(sha)},
                  {"path", path.empty() ? json(nullptr) : json(path)},
                  {"reasons", {"deleted"}},
                  {"sources", json::array({{{"kind", "exe"}, {"pid", 7}, {"path", path}}})},
                  {"status", status},
                  {"archive", status == "copied" ? json("artifacts/11_samples.zip") : json()}};
        return {"samples", r.dump()};
    };
    Options only;
    only.only = {Category::specimen};
    EXPECT_EQ(only.collectors(), std::set<std::string>{"samples"});
    Stacker s(Options{});
    s.add_bundle("web01", {specimen(a, "/tmp/.x/kworkerd", "copied"), specimen(b, "", "budget"),
                           // Not hashed (denied): no identity, not counted.
                           specimen("", "/tmp/.x/other", "denied")});
    // The same content under another name on another host is the same item.
    s.add_bundle("web02", {specimen(a, "/var/tmp/upd", "too_large")});
    s.add_bundle("db01", {process("sshd", "/usr/sbin/sshd", "cc")});
    const auto result = s.result(0);
    const auto& specimens = of(result, Category::specimen);
    EXPECT_EQ(summary(specimens), (std::vector<std::pair<std::string, uint32_t>>{
                                      {b + "|", 1}, {a + "|/tmp/.x/kworkerd", 2}}));
    EXPECT_EQ(specimens.items[1].hosts, (std::vector<std::string>{"web01", "web02"}));
    EXPECT_EQ(info(Category::specimen).collector, "samples");
    EXPECT_EQ(info(Category::specimen).key_count(), 1u);
    // A process's executable is not a specimen: only the samples records count.
    EXPECT_EQ(of(result, Category::exe).items_total, 1u);
}

TEST(Stack, MemoryRegionsAreCountedByContentAndOnlyCapturedRegions) {
    const std::string a(64, 'a');
    auto region = [](const std::string& sha, const std::string& process, const std::string& perms,
                     const std::string& kind = "region") -> std::pair<std::string, std::string> {
        json r = {{"kind", kind},
                  {"pid", 42},
                  {"process_name", process},
                  {"permissions", perms},
                  {"sha256", sha.empty() ? json(nullptr) : json(sha)},
                  {"status", sha.empty() ? "budget" : "dumped"}};
        return {"memory", r.dump()};
    };
    Options only;
    only.only = {Category::memory};
    EXPECT_EQ(only.collectors(), std::set<std::string>{"memory"});
    Stacker s(Options{});
    s.add_bundle("web01", {region(a, "sshd", "rwxp"), region("", "java", "rwxp"),
                           // A dump is not a region: its digest is of a whole process.
                           region(std::string(64, 'd'), "sshd", "", "dump")});
    s.add_bundle("web02", {region(a, "cron", "r-xp")});
    const auto result = s.result(0);
    const auto& memory = of(result, Category::memory);
    EXPECT_EQ(summary(memory),
              (std::vector<std::pair<std::string, uint32_t>>{{a + "|sshd|rwxp", 2}}));
    EXPECT_EQ(memory.items[0].hosts, (std::vector<std::string>{"web01", "web02"}));
    EXPECT_EQ(info(Category::memory).key_count(), 1u);
}

TEST(Stack, PackageVerdictsFromEveryCollectorThatHasThem) {
    auto exe = [](const std::string& verdict, const std::string& digest) {
        json r = {{"pid", 1},
                  {"name", "ps"},
                  {"exe_path", "/usr/bin/ps"},
                  {"exe_sha256", digest},
                  {"exe_package", "procps"},
                  {"exe_package_version", "2:4.0.2-3"},
                  {"exe_package_verdict", verdict},
                  {"exe_package_digest", "aa"}};
        return std::pair<std::string, std::string>{"processes", r.dump()};
    };
    json module = {{"kind", "file"},         {"path", "/usr/lib/libx.so"},
                   {"sha256", "11"},         {"package", "libx"},
                   {"package_version", "1"}, {"package_verdict", "verified"},
                   {"package_digest", "bb"}};
    json kmod = {{"kind", "module"},
                 {"name", "rk"},
                 {"file_path", "/lib/modules/rk.ko"},
                 {"sha256", "22"},
                 {"file_package_verdict", "unowned"}};
    json autorun = {{"category", "cron"},           {"source_path", "/etc/crontab"},
                    {"target_path", "/usr/bin/ps"}, {"target_package_verdict", "verified"},
                    {"target_package", "procps"},   {"target_package_version", "2:4.0.2-3"},
                    {"target_package_digest", "aa"}};
    json unchecked = {{"pid", 2},
                      {"name", "x"},
                      {"exe_path", "/x"},
                      {"exe_sha256", "33"},
                      {"exe_package_verdict", nullptr}};
    Options only;
    only.only = {Category::package};
    EXPECT_EQ(only.collectors(),
              (std::set<std::string>{"processes", "modules", "kernel_modules", "autoruns"}));
    Stacker s(Options{});
    for (int host = 0; host < 5; ++host) {
        s.add_bundle(numbered("web", host),
                     {host == 3 ? exe("modified", "ee") : exe("verified", "dd"),
                      {"modules", module.dump()},
                      {"kernel_modules", kmod.dump()},
                      {"autoruns", autorun.dump()},
                      {"processes", unchecked.dump()}});
    }
    const auto result = s.result(0);
    const auto& packages = of(result, Category::package);
    // The modified ps on one host of five comes first; the unchecked process is no item.
    EXPECT_EQ(summary(packages), (std::vector<std::pair<std::string, uint32_t>>{
                                     {"/usr/bin/ps|modified|procps|2:4.0.2-3|aa", 1},
                                     {"/lib/modules/rk.ko|unowned|||", 5},
                                     {"/usr/bin/ps|verified|procps|2:4.0.2-3|aa", 5},
                                     {"/usr/lib/libx.so|verified|libx|1|bb", 5}}));
    EXPECT_EQ(packages.items[0].hosts, std::vector<std::string>{"web3"});
}

std::pair<std::string, std::string> dns_query(const std::string& name, const std::string& process) {
    json r = {{"kind", "dns"}, {"event", "query"},   {"query", name},    {"query_type", "A"},
              {"pid", 42},     {"process", process}, {"source", "wire"}, {"monotonic_ns", 1000}};
    return {"activity", r.dump()};
}

TEST(Stack, DnsNamesFewHostsAskedForComeFirst) {
    Stacker s(Options{});
    s.add_bundle("web1",
                 {dns_query("repo.example.com", "apt"), dns_query("ntp.example.com.", "chronyd")});
    s.add_bundle("web2", {dns_query("REPO.example.com", "apt"),
                          dns_query("ntp.example.com", "chronyd"),
                          dns_query("x7f2.badhost.example", "kworkerd"),
                          dns_query("9.2.0.192.in-addr.arpa", "sshd"),
                          // Not a DNS record: a connection of the window is no name.
                          {"activity", R"({"kind":"connection","query":"nope.example"})"}});
    s.add_bundle("web3",
                 {dns_query("repo.example.com", "apt"), dns_query("ntp.example.com", "chronyd")});
    const auto result = s.result(0);
    const auto& dns = of(result, Category::dns);
    // Case and the trailing dot do not make another name; reverse lookups are left out.
    EXPECT_EQ(summary(dns),
              (std::vector<std::pair<std::string, uint32_t>>{{"x7f2.badhost.example|kworkerd", 1},
                                                             {"ntp.example.com|chronyd", 3},
                                                             {"repo.example.com|apt", 3}}));
    EXPECT_EQ(dns.items[0].hosts, std::vector<std::string>{"web2"});
    Options only_dns;
    only_dns.only = {Category::dns};
    EXPECT_EQ(only_dns.collectors(), std::set<std::string>{"activity"});
}

TEST(Stack, CategoryNamesRoundTrip) {
    for (const auto& c : categories()) {
        EXPECT_EQ(category_named(c.name), c.category);
        EXPECT_EQ(&info(c.category), &c);
        EXPECT_FALSE(c.fields.empty());
    }
    EXPECT_FALSE(category_named("nothing"));
}

}  // namespace
}  // namespace irsnap::stack
