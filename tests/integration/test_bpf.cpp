// SPDX-License-Identifier: Apache-2.0
// The kernel views through BPF (docs/kernel-views.md), live: an eBPF program hooking
// getdents64 is listed with its attach point and holder and raised by triage, a packet socket's
// classic filter is listed, --no-bpf falls back, and nothing irsnap loads stays loaded.
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "../unit/fixture_util.hpp"
#include "irsnap/linux/kernel_sockets.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool kernel_views_possible() {
    return ::geteuid() == 0 && ::access("/sys/kernel/btf/vmlinux", R_OK) == 0;
}

/// A helper process started with its stdout on a pipe, alive until destroyed; ready() when it
/// printed "ready".
class Helper {
  public:
    explicit Helper(const std::vector<std::string>& argv) {
        int out[2], in[2];
        EXPECT_EQ(::pipe(out), 0);
        EXPECT_EQ(::pipe(in), 0);
        m_pid = spawn_with_fds(argv, in[0], out[1], out[1]);
        ::close(out[1]);
        ::close(in[0]);
        m_stdin = in[1];
        char c = 0;
        while (m_seen.find("ready") == std::string::npos && m_seen.size() < 4096 &&
               ::read(out[0], &c, 1) == 1) {
            m_seen += c;
        }
        ::close(out[0]);
    }
    ~Helper() {
        ::close(m_stdin);
        if (m_pid > 0) kill_and_reap(m_pid);
    }
    pid_t pid() const { return m_pid; }
    bool ready() const { return m_seen.find("ready") != std::string::npos; }
    const std::string& said() const { return m_seen; }

  private:
    pid_t m_pid = -1;
    int m_stdin = -1;
    std::string m_seen;
};

/// The ids `bpftool prog list` shows.
std::set<std::string> loaded_program_ids() {
    std::set<std::string> ids;
    auto run = run_command({"/usr/sbin/bpftool", "prog", "list"});
    size_t at = 0;
    while (at < run.out.size()) {
        const size_t end = std::min(run.out.find('\n', at), run.out.size());
        const std::string line = run.out.substr(at, end - at);
        at = end + 1;
        const size_t colon = line.find(':');
        if (colon != std::string::npos && colon > 0 &&
            std::isdigit(static_cast<unsigned char>(line[0]))) {
            ids.insert(line.substr(0, colon));
        }
    }
    return ids;
}

fs::path collect(const fs::path& out, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{irsnap_binary(), "collect", "-q", "-o", out.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto run = run_command(argv);
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    return only_bundle(out);
}

std::vector<json> of_kind(const fs::path& bundle, const std::string& kind) {
    std::vector<json> out;
    for (auto& r : read_jsonl(artifact(bundle, "bpf"))) {
        if (r["kind"] == kind) out.push_back(std::move(r));
    }
    return out;
}

TEST(KernelViews, AGetdentsHookIsListedWithItsHolderRaisedByTriageAndNothingStaysLoaded) {
    if (!kernel_views_possible()) GTEST_SKIP() << "needs root and a kernel with BTF";
    IRSNAP_NEED_TOOL(fs::exists("/usr/sbin/bpftool"), "bpftool");
    // libbpf finds the tracepoint's id in tracefs: mounted in a private mount namespace, so the
    // host's mount table is left as it was.
    Helper hook({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                 "mount -t tracefs nodev /sys/kernel/tracing && exec \"$0\"",
                 IRSNAP_TEST_BPF_COUNTER});
    ASSERT_TRUE(hook.ready()) << hook.said();
    const auto before = loaded_program_ids();
    TempDir tmp("irsnap-bpf");
    const auto bundle = collect(tmp.path(), {"--collectors", "bpf,hidden_processes"});
    EXPECT_EQ(loaded_program_ids(), before) << "irsnap left a program loaded, or unloaded one";

    json program;
    for (const auto& p : of_kind(bundle, "program")) {
        if (p["name"] == "count_getdents") program = p;
    }
    ASSERT_TRUE(program.is_object()) << "the hook is not listed";
    EXPECT_EQ(program["type"], "tracepoint");
    ASSERT_FALSE(program["attach_points"].empty()) << program.dump();
    EXPECT_EQ(program["attach_points"][0]["point"], "sys_exit_getdents64") << program.dump();
    bool held = false;
    for (const auto& h : program["holders"]) held = held || h["pid"] == hook.pid();
    EXPECT_TRUE(held) << program.dump();
    EXPECT_EQ(program["map_ids"].size(), 1u);  // its counter
    bool link_found = false;
    for (const auto& l : of_kind(bundle, "link")) {
        link_found = link_found ||
                     (l["prog_id"] == program["id"] && l["attach_point"] == "sys_exit_getdents64");
    }
    EXPECT_TRUE(link_found);

    auto triage = run_command({irsnap_binary(), "triage", bundle.string()});
    EXPECT_NE(triage.out.find("IRS-BPF-001"), std::string::npos) << triage.out;
    EXPECT_NE(triage.out.find("CRITICAL"), std::string::npos) << triage.out;

    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] == "hidden_processes") {
            EXPECT_EQ(c["views"], json({"proc", "probe", "iter/task"})) << c.dump();
        }
    }
}

TEST(KernelViews, APacketSocketsClassicFilterIsListedWithItsInstructions) {
    if (!kernel_views_possible()) GTEST_SKIP() << "needs root and a kernel with BTF";
    Helper child({IRSNAP_TEST_CHILD, "--irsnap-test-packet-filter"});
    ASSERT_TRUE(child.ready()) << child.said();
    TempDir tmp("irsnap-bpf");
    const auto bundle = collect(tmp.path(), {"--collectors", "bpf"});
    json filter;
    for (const auto& f : of_kind(bundle, "socket_filter")) {
        if (f["pid"] == child.pid()) filter = f;
    }
    ASSERT_TRUE(filter.is_object()) << "no socket_filter record for the child";
    EXPECT_EQ(filter["socket_table"], "packet");
    EXPECT_EQ(filter["instructions"], 4);
    // ldh [12]; jeq #0x800 jt 0 jf 1; ret #0xffff; ret #0 (code, jt, jf, k little-endian).
    EXPECT_EQ(filter["filter_hex"],
              "280000000c000000150000010008000006000000ffff00000600000000000000");
    auto triage = run_command({irsnap_binary(), "triage", bundle.string()});
    EXPECT_NE(triage.out.find("IRS-BPF-003"), std::string::npos) << triage.out;
}

TEST(KernelViews, NoBpfFallsBackToProcAndSaysSo) {
    TempDir tmp("irsnap-bpf");
    const auto bundle = collect(tmp.path(), {"--no-bpf", "--collectors", "bpf,hidden_processes"});
    const auto records = read_jsonl(artifact(bundle, "hidden_processes"));
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0]["kernel_view"], "not read: --no-bpf");
    EXPECT_EQ(records[0]["views"], json({"proc", "probe"}));
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    EXPECT_EQ(manifest["options"]["bpf"], false);
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] != "bpf" && c["name"] != "hidden_processes") continue;
        EXPECT_NE(c["coverage"].dump().find("--no-bpf"), std::string::npos) << c.dump();
    }
}

/// Sockets this test process opens: a TCP listener and a bound UDP socket on 127.0.0.1, and a
/// unix socket bound to an abstract name; each with its inode.
struct OwnSockets {
    int tcp = -1, udp = -1, unix_fd = -1;
    uint64_t tcp_inode = 0, udp_inode = 0, unix_inode = 0;
    std::string abstract_name;

    OwnSockets() {
        sockaddr_in any{};
        any.sin_family = AF_INET;
        any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_EQ(::bind(tcp, reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
        EXPECT_EQ(::listen(tcp, 1), 0);
        udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        EXPECT_EQ(::bind(udp, reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
        unix_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un un{};
        un.sun_family = AF_UNIX;
        abstract_name = "irsnap-test-" + std::to_string(::getpid());
        std::memcpy(un.sun_path + 1, abstract_name.data(), abstract_name.size());
        const auto len =
            static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_name.size());
        EXPECT_EQ(::bind(unix_fd, reinterpret_cast<sockaddr*>(&un), len), 0);
        EXPECT_EQ(::listen(unix_fd, 1), 0);
        tcp_inode = inode_of(tcp);
        udp_inode = inode_of(udp);
        unix_inode = inode_of(unix_fd);
    }
    ~OwnSockets() {
        for (int fd : {tcp, udp, unix_fd}) ::close(fd);
    }
    static uint64_t inode_of(int fd) {
        struct stat st {};
        EXPECT_EQ(::fstat(fd, &st), 0);
        return st.st_ino;
    }
};

TEST(KernelViews, TheSocketIteratorsListOwnSocketsAndTheirRecordsNameTheIterViews) {
    if (!kernel_views_possible()) GTEST_SKIP() << "needs root and a kernel with BTF";
    OwnSockets own;
    auto reader = kernel_view::KernelSocketReader::load();
    ASSERT_TRUE(reader.ok()) << reader.error().text();
    auto sockets = (*reader)->read(-1);
    ASSERT_TRUE(sockets.ok()) << sockets.error().text();
    std::map<uint64_t, kernel_view::KernelSocket> by_inode;
    for (const auto& s : *sockets) by_inode[s.inode] = s;
    ASSERT_TRUE(by_inode.count(own.tcp_inode));
    const auto& tcp = by_inode[own.tcp_inode];
    EXPECT_STREQ(tcp.view(), "iter/tcp");
    EXPECT_EQ(tcp.state, 10);  // LISTEN
    EXPECT_EQ(tcp.family, AF_INET);
    EXPECT_EQ(tcp.local_address[0], 127);
    EXPECT_NE(tcp.local_port, 0);
    ASSERT_TRUE(by_inode.count(own.udp_inode));
    EXPECT_STREQ(by_inode[own.udp_inode].view(), "iter/udp");
    EXPECT_EQ(by_inode[own.udp_inode].protocol, IPPROTO_UDP);
    ASSERT_TRUE(by_inode.count(own.unix_inode));
    EXPECT_STREQ(by_inode[own.unix_inode].view(), "iter/unix");
    EXPECT_EQ(by_inode[own.unix_inode].unix_path, std::string(1, '\0') + own.abstract_name);
    reader->reset();

    const auto before = loaded_program_ids();
    TempDir tmp("irsnap-kernel-sockets");
    const auto bundle = collect(tmp.path(), {"--collectors", "network"});
    EXPECT_EQ(loaded_program_ids(), before) << "irsnap left a program loaded";
    std::map<uint64_t, json> records;
    for (auto& r : read_jsonl(artifact(bundle, "network"))) {
        if (r["inode"].is_number()) records[r["inode"].get<uint64_t>()] = r;
    }
    const std::pair<uint64_t, const char*> expected[] = {
        {own.tcp_inode, "iter/tcp"}, {own.udp_inode, "iter/udp"}, {own.unix_inode, "iter/unix"}};
    for (const auto& [inode, view] : expected) {
        ASSERT_TRUE(records.count(inode)) << view;
        const json& r = records[inode];
        EXPECT_NE(std::find(r["views"].begin(), r["views"].end(), view), r["views"].end())
            << r.dump();
        EXPECT_NE(std::find(r["views"].begin(), r["views"].end(), "proc"), r["views"].end())
            << r.dump();
        EXPECT_EQ(r["cross_view_discrepancy"], false) << r.dump();
    }
    EXPECT_EQ(records[own.unix_inode]["local_address"], "@" + own.abstract_name);
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] == "network") {
            // The socket views, then where the owners came from (the descriptor walk).
            EXPECT_EQ(c["views"], json({"proc", "netlink", "iter/tcp", "iter/udp", "iter/unix",
                                        "iter/task_file"}))
                << c.dump();
        }
    }
}

TEST(KernelViews, NoBpfLeavesTheSocketIteratorsOutAndSaysSo) {
    TempDir tmp("irsnap-kernel-sockets");
    const auto bundle = collect(tmp.path(), {"--no-bpf", "--collectors", "network"});
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] != "network") continue;
        EXPECT_NE(c["coverage"].dump().find("iter/tcp, iter/udp, iter/unix) not read (--no-bpf"),
                  std::string::npos)
            << c.dump();
        EXPECT_EQ(c["views"].dump().find("iter/"), std::string::npos) << c.dump();
    }
    for (const auto& r : read_jsonl(artifact(bundle, "network"))) {
        ASSERT_EQ(r["views"].dump().find("iter/"), std::string::npos) << r.dump();
    }
}

TEST(NetworkNetlink, ANetlinkSocketIsListedWithItsOwner) {
    // This test process holds a NETLINK_ROUTE socket (as ss -a -f netlink would show it).
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    ASSERT_GE(fd, 0);
    sockaddr_nl self{};
    self.nl_family = AF_NETLINK;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&self), sizeof(self)), 0);
    socklen_t len = sizeof(self);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len), 0);
    TempDir tmp("irsnap-netlink");
    const auto bundle = collect(tmp.path(), {"--collectors", "network"});
    ::close(fd);
    bool found = false;
    for (const auto& r : read_jsonl(artifact(bundle, "network"))) {
        if (r["protocol"] != "netlink" || r["local_port"] != self.nl_pid) continue;
        found = true;
        EXPECT_EQ(r["local_address"], "route") << r.dump();
        ASSERT_EQ(r["owners"].size(), 1u) << r.dump();
        EXPECT_EQ(r["owners"][0]["pid"], ::getpid()) << r.dump();
        EXPECT_EQ(r["owners"][0]["fd"], fd) << r.dump();
    }
    EXPECT_TRUE(found) << "no netlink record with port id " << self.nl_pid;
}

}  // namespace
}  // namespace irsnap::test

namespace irsnap::test {
namespace {

/// The handles records of `pid` in a bundle, by descriptor number.
std::map<int64_t, json> handles_of(const fs::path& bundle, pid_t pid) {
    std::map<int64_t, json> out;
    for (auto& r : read_jsonl(artifact(bundle, "handles"))) {
        if (r["pid"] != pid) continue;
        const auto fd = r["fd"].get<int64_t>();
        out[fd] = std::move(r);
    }
    return out;
}

json handles_entry(const fs::path& bundle) {
    const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] == "handles") return c;
    }
    return nullptr;
}

TEST(KernelViews, KernelAndProcDescriptorWalksGiveTheSameRecords) {
    if (!kernel_views_possible()) GTEST_SKIP() << "needs root and a kernel with BTF";
    TempDir tmp("irsnap-fds");
    Helper child({IRSNAP_TEST_CHILD, "--irsnap-test-descriptors", tmp.path().string()});
    ASSERT_TRUE(child.ready()) << child.said();
    const auto kernel = collect(tmp.path() / "kernel", {"--collectors", "handles"});
    const auto proc = collect(tmp.path() / "proc", {"--no-bpf", "--collectors", "handles"});
    EXPECT_EQ(handles_entry(kernel)["views"], json({"iter/task_file"}));
    // The comparison means something only if the kernel path served the processes itself, not
    // its /proc fallback for the pids the iterator did not return (PID 1 here, kernel threads).
    const std::string log = read_text_file(kernel / "collection.log");
    const auto at = log.find(" read from iter/task_file, ");
    ASSERT_NE(at, std::string::npos) << log;
    const auto open_paren = log.rfind('(', at);
    const long served = std::stol(log.substr(open_paren + 1, at - open_paren - 1));
    // At least this test, the child and irsnap (kernel threads, having no descriptors, and
    // processes the iterator does not show go through /proc).
    EXPECT_GE(served, 3) << log.substr(open_paren, 80);
    EXPECT_EQ(handles_entry(proc)["views"], json({"proc"}));
    const auto from_kernel = handles_of(kernel, child.pid());
    const auto from_proc = handles_of(proc, child.pid());
    // stdin, stdout, stderr and the eleven the child opened.
    ASSERT_GE(from_proc.size(), 14u);
    ASSERT_EQ(from_kernel.size(), from_proc.size());
    std::set<std::string> types;
    for (const auto& [fd, record] : from_proc) {
        ASSERT_TRUE(from_kernel.count(fd)) << "fd " << fd << " only in the /proc walk";
        EXPECT_EQ(from_kernel.at(fd), record) << "fd " << fd;
        types.insert(record["type"].get<std::string>());
    }
    // Every kind the child holds was compared, including the hashed deleted file and memfd.
    for (const char* type :
         {"file", "directory", "char_device", "pipe", "socket", "anon_inode", "memfd"}) {
        EXPECT_TRUE(types.count(type)) << type;
    }
    bool hashed_deleted = false, read_part_way = false, close_on_exec = false;
    for (const auto& [fd, r] : from_kernel) {
        hashed_deleted = hashed_deleted || (r["deleted"] == true && r["sha256"].is_string());
        read_part_way = read_part_way || (r["position"] == 4 && r["size"] == 10);
        close_on_exec =
            close_on_exec || (r["target"] == "/dev/null" &&
                              r["flags"].get<std::string>().find("O_CLOEXEC") != std::string::npos);
    }
    EXPECT_TRUE(hashed_deleted);
    EXPECT_TRUE(read_part_way);
    EXPECT_TRUE(close_on_exec);
}

}  // namespace
}  // namespace irsnap::test

namespace irsnap::test {
namespace {

TEST(KernelViews, KernelModulesReadTheSymbolTableAsAThirdView) {
    if (!kernel_views_possible()) GTEST_SKIP() << "needs root and a kernel with BTF";
    TempDir tmp("irsnap-ksym");
    for (const bool bpf : {true, false}) {
        std::vector<std::string> args{"--collectors", "kernel_modules"};
        if (!bpf) args.push_back("--no-bpf");
        const auto bundle = collect(tmp.path() / (bpf ? "bpf" : "proc"), args);
        const json manifest = json::parse(read_text_file(bundle / "manifest.json"));
        for (const auto& c : manifest["collectors"]) {
            if (c["name"] != "kernel_modules") continue;
            const bool has_view = c["views"].dump().find("iter/ksym") != std::string::npos;
            EXPECT_EQ(has_view, bpf) << c.dump();
            // Missing coverage only where a module could hide: not on a kernel without modules.
            const bool modular = ::access("/proc/modules", F_OK) == 0;
            EXPECT_EQ(c["coverage"].dump().find("iter/ksym") != std::string::npos, !bpf && modular);
        }
        // Every module record says whether the symbol table names it, or null when unread.
        for (const auto& r : read_jsonl(artifact(bundle, "kernel_modules"))) {
            if (r["kind"] != "module") continue;
            EXPECT_EQ(r["in_kernel_symbols"].is_boolean(), bpf) << r.dump();
        }
    }
}

}  // namespace
}  // namespace irsnap::test

namespace irsnap::test {
namespace {

TEST(KernelViews, AProcessHiddenFromTheListingHasItsFullProcessRecord) {
    if (!kernel_views_possible()) GTEST_SKIP() << "needs root and a kernel with BTF";
    // --debug-unlist-pid drops the child from irsnap's /proc listings as a getdents hook would
    // (the kernel lab does it with a real one): the kernel's task list still holds it.
    Helper child({IRSNAP_TEST_CHILD, "--irsnap-test-descriptors", "/tmp"});
    ASSERT_TRUE(child.ready()) << child.said();
    TempDir tmp("irsnap-hidden");
    auto run = run_command({irsnap_binary(), "collect", "-q", "-o", tmp.path().string(),
                            "--collectors", "processes,hidden_processes", "--debug-unlist-pid",
                            std::to_string(child.pid())});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
    const auto bundle = only_bundle(tmp.path());
    json hidden;
    size_t listed = 0;
    for (const auto& r : read_jsonl(artifact(bundle, "processes"))) {
        if (r["pid"] == child.pid()) hidden = r;
        listed += r["views"] == json({"proc", "iter/task"});
    }
    ASSERT_TRUE(hidden.is_object()) << "the hidden child has no processes record";
    EXPECT_EQ(hidden["views"], json({"iter/task"}));
    EXPECT_NE(hidden["exe_path"].get<std::string>().find("irsnap_test_child"), std::string::npos);
    EXPECT_TRUE(hidden["exe_sha256"].is_string()) << hidden.dump();
    EXPECT_GT(listed, 1u);  // the others are in both lists
    bool finding = false;
    for (const auto& r : read_jsonl(artifact(bundle, "hidden_processes"))) {
        finding = finding || (r["pid"] == child.pid() && r["kind"] == "unlisted_pid");
    }
    EXPECT_TRUE(finding);
}

}  // namespace
}  // namespace irsnap::test
