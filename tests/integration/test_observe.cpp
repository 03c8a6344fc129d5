// SPDX-License-Identifier: Apache-2.0
// The observation window (--observe) end to end with the real binary, as root: a beacon that
// connects every 2 s, a child that lives 300 ms and connects once, a DNS query to a local
// resolver, a datagram from a raw socket to a port no socket holds; with BPF and without it
// (--no-bpf: the process connector and sock_diag every 100 ms); Ctrl-C and the timeout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "../unit/fixture_util.hpp"
#include "run_util.hpp"

namespace irsnap::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Accepts and closes connections on 127.0.0.1 until destroyed.
class ObserveListener {
  public:
    ObserveListener() {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(m_fd, 64) != 0 ||
            ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            return;
        }
        port = ntohs(a.sin_port);
        m_thread = std::thread([this] {
            while (!m_stop) {
                pollfd p{m_fd, POLLIN, 0};
                if (::poll(&p, 1, 50) > 0) {
                    const int c = ::accept(m_fd, nullptr, nullptr);
                    if (c >= 0) m_accepted.push_back(c);
                }
            }
        });
    }
    ~ObserveListener() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
        for (int c : m_accepted) ::close(c);
        if (m_fd >= 0) ::close(m_fd);
    }
    uint16_t port = 0;

  private:
    int m_fd = -1;
    std::atomic<bool> m_stop{false};
    std::vector<int> m_accepted;  // the client closes first, as a beacon's server would let it
    std::thread m_thread;
};

/// A resolver on 127.0.0.1:53 that answers every A question with 10.9.8.7, TTL 60.
class ObserveResolver {
  public:
    ObserveResolver() {
        m_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(53);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
        ok = true;
        m_thread = std::thread([this] {
            while (!m_stop) {
                pollfd p{m_fd, POLLIN, 0};
                if (::poll(&p, 1, 50) <= 0) continue;
                char q[512];
                sockaddr_in from{};
                socklen_t len = sizeof from;
                const ssize_t n =
                    ::recvfrom(m_fd, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &len);
                if (n < 12) continue;
                std::string answer(q, static_cast<size_t>(n));
                answer[2] = static_cast<char>(0x81);  // QR, RD
                answer[3] = static_cast<char>(0x80);  // RA, NOERROR
                answer[7] = 1;                        // ANCOUNT
                answer.append("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x09\x08\x07",
                              16);
                ::sendto(m_fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from),
                         len);
            }
        });
    }
    ~ObserveResolver() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
        if (m_fd >= 0) ::close(m_fd);
    }
    bool ok = false;

  private:
    int m_fd = -1;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

/// irsnap collecting only the activity collector into a fresh directory.
struct ObserveRun {
    explicit ObserveRun(std::vector<std::string> options) : out("irsnap-observe") {
        std::vector<std::string> argv{irsnap_binary(), "collect", "--collectors",
                                      "activity",      "-o",      out.path().string()};
        argv.insert(argv.end(), options.begin(), options.end());
        pid = spawn(argv);
    }
    ~ObserveRun() {
        if (pid > 0) kill_and_reap(pid);
    }
    bool window_open() { return !wait_for_log(out.path(), "activity: window open", 20000).empty(); }
    int finish(int timeout_ms) {
        auto code = wait_exit(pid, timeout_ms);
        pid = -1;
        return code.value_or(-1);
    }
    std::vector<json> records(const std::string& kind) {
        std::vector<json> kept;
        for (auto& r : read_jsonl(artifact(only_bundle(out.path()), "activity"))) {
            if (r["kind"] == kind) kept.push_back(std::move(r));
        }
        return kept;
    }
    TempDir out;
    pid_t pid = -1;
};

int run_child(const std::vector<std::string>& args, pid_t* child_pid) {
    std::vector<std::string> argv{IRSNAP_TEST_CHILD};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = spawn(argv);
    *child_pid = pid;
    return wait_exit(pid, 10000).value_or(-1);
}

size_t connects_by(const std::vector<json>& connections, pid_t pid, uint16_t port) {
    size_t n = 0;
    for (const auto& c : connections) {
        if (c["event"] == "connect" && c["pid"] == pid && c["remote_port"] == port) ++n;
    }
    return n;
}

const json* exec_of(const std::vector<json>& processes, pid_t pid) {
    for (const auto& p : processes) {
        if (p["event"] == "exec" && p["pid"] == pid) return &p;
    }
    return nullptr;
}

bool has_source(const json& window, const std::string& prefix) {
    for (const auto& s : window["event_sources"]) {
        if (s.get<std::string>().rfind(prefix, 0) == 0) return true;
    }
    return false;
}

/// The short-lived child: exec'd, named with its argv and SHA-256, ended after ~300 ms.
void expect_short_child(ObserveRun& run, pid_t child) {
    auto processes = run.records("process");
    const json* exec = exec_of(processes, child);
    ASSERT_NE(exec, nullptr) << "no exec record for the 300 ms child " << child;
    ASSERT_TRUE((*exec)["argv"].is_array());
    EXPECT_EQ((*exec)["argv"][1], "--irsnap-test-connect-once");
    EXPECT_EQ((*exec)["sha256"], file_sha256(IRSNAP_TEST_CHILD));
    bool exited = false;
    for (const auto& p : processes) {
        if (p["event"] == "exit" && p["pid"] == child) {
            exited = true;
            ASSERT_TRUE(p["lifetime_ms"].is_number());
            EXPECT_GE(p["lifetime_ms"].get<int64_t>(), 250);
            EXPECT_LT(p["lifetime_ms"].get<int64_t>(), 5000);
        }
    }
    EXPECT_TRUE(exited) << "no exit record for " << child;
}

TEST(Observe, BeaconShortChildDnsAndRawSocketWithBpf) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (BPF, packet capture)";
    ObserveListener listener;
    ObserveResolver resolver;
    ASSERT_NE(listener.port, 0);
    ASSERT_TRUE(resolver.ok) << "cannot bind 127.0.0.1:53 for the test resolver";
    const pid_t beacon = spawn(
        {IRSNAP_TEST_CHILD, "--irsnap-test-beacon", std::to_string(listener.port), "2000", "8"});
    ObserveRun run({"--observe", "10"});
    ASSERT_TRUE(run.window_open());
    pid_t short_child = 0, dns_child = 0, raw_child = 0;
    EXPECT_EQ(run_child({"--irsnap-test-connect-once", std::to_string(listener.port), "300"},
                        &short_child),
              0);
    EXPECT_EQ(run_child({"--irsnap-test-dns", "53", "beacon.irsnap-test.example"}, &dns_child), 0);
    EXPECT_EQ(run_child({"--irsnap-test-raw-udp", "40123", "40124"}, &raw_child), 0);
    const int code = run.finish(60000);
    EXPECT_TRUE(code == 0 || code == 1) << code;  // 1: a source missing (coverage)
    kill_and_reap(beacon);
    const fs::path bundle = only_bundle(run.out.path());
    EXPECT_EQ(run_command({irsnap_binary(), "verify", bundle.string()}).exit_code, 0);

    auto windows = run.records("window");
    ASSERT_EQ(windows.size(), 1u);
    EXPECT_EQ(windows[0]["status"], "complete");
    ASSERT_TRUE(has_source(windows[0], "bpf/")) << windows[0].dump();

    // The beacon: every connect with its pid and executable.
    auto connections = run.records("connection");
    EXPECT_GE(connects_by(connections, beacon, listener.port), 4u);
    for (const auto& c : connections) {
        if (c["event"] == "connect" && c["pid"] == beacon) {
            EXPECT_EQ(c["exe"], fs::canonical(IRSNAP_TEST_CHILD).string());
            EXPECT_EQ(c["source"], "bpf");
        }
    }
    expect_short_child(run, short_child);
    EXPECT_EQ(connects_by(connections, short_child, listener.port), 1u);

    // DNS: the query and its answer, owned by the child that asked when the kernel says so.
    bool query = false, answer = false;
    for (const auto& d : run.records("dns")) {
        if (d["query"] != "beacon.irsnap-test.example") continue;
        if (d["event"] == "query") query = true;
        if (d["event"] == "answer") {
            answer = true;
            ASSERT_EQ(d["answers"].size(), 1u);
            EXPECT_EQ(d["answers"][0]["data"], "10.9.8.7");
            EXPECT_EQ(d["answers"][0]["ttl"], 60);
            EXPECT_EQ(d["query_type"], "A");
        }
        if (has_source(windows[0], "bpf/sock/sock_send_length") ||
            has_source(windows[0], "bpf/sock_send_length")) {
            EXPECT_EQ(d["pid"], dns_child) << d.dump();
        }
    }
    EXPECT_TRUE(query);
    EXPECT_TRUE(answer);

    // The raw socket's datagram: a flow from a port no socket view ever listed.
    bool without_socket = false;
    for (const auto& f : run.records("flow")) {
        if (f["protocol"] == "udp" && f["local_port"] == 40123 && f["direction"] == "outbound") {
            without_socket = f["socket_seen"] == false;
        }
    }
    EXPECT_TRUE(without_socket);
    bool raw_owner = false;
    for (const auto& r : run.records("raw_socket")) {
        for (const auto& o : r["owners"]) raw_owner = raw_owner || o["pid"] == raw_child;
    }
    EXPECT_TRUE(raw_owner) << "the raw socket's owner was not named";

    // Triage names the beacon, the short-lived child and the traffic without a socket.
    auto triage = run_command({irsnap_binary(), "triage", bundle.string()});
    for (const char* id : {"IRS-ACT-001", "IRS-ACT-002", "IRS-ACT-005"}) {
        EXPECT_NE(triage.out.find(id), std::string::npos) << id << "\n" << triage.out;
    }
    EXPECT_NE(triage.out.find(fs::canonical(IRSNAP_TEST_CHILD).filename().string()),
              std::string::npos)
        << triage.out;

    // The pcap opens in tcpdump and holds the datagram.
    auto captures = run.records("capture");
    ASSERT_EQ(captures.size(), 1u);
    const fs::path pcap = bundle / "artifacts" / captures[0]["attachment"].get<std::string>();
    ASSERT_TRUE(fs::exists(pcap));
    EXPECT_GT(captures[0]["packets_written"].get<uint64_t>(), 10u);
    const bool tcpdump = fs::exists("/usr/bin/tcpdump") || fs::exists("/usr/sbin/tcpdump");
    IRSNAP_NEED_TOOL(tcpdump, "tcpdump");
    auto read =
        run_command({fs::exists("/usr/bin/tcpdump") ? "/usr/bin/tcpdump" : "/usr/sbin/tcpdump",
                     "-nn", "-r", pcap.string(), "udp port 40124"});
    EXPECT_EQ(read.exit_code, 0) << read.err;
    EXPECT_NE(read.out.find("40123 > 127.0.0.1.40124"), std::string::npos) << read.out;
}

TEST(Observe, WithoutBpfTheConnectorAndSockDiagStillSeeTheBeacon) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (process connector)";
    ObserveListener listener;
    ASSERT_NE(listener.port, 0);
    const pid_t beacon = spawn(
        {IRSNAP_TEST_CHILD, "--irsnap-test-beacon", std::to_string(listener.port), "2000", "8"});
    ObserveRun run({"--observe", "10", "--no-bpf"});
    ASSERT_TRUE(run.window_open());
    pid_t short_child = 0;
    EXPECT_EQ(run_child({"--irsnap-test-connect-once", std::to_string(listener.port), "300"},
                        &short_child),
              0);
    EXPECT_EQ(run.finish(60000), 1);  // coverage says BPF was not used
    kill_and_reap(beacon);
    auto windows = run.records("window");
    ASSERT_EQ(windows.size(), 1u);
    EXPECT_FALSE(has_source(windows[0], "bpf/"));
    EXPECT_TRUE(has_source(windows[0], "proc_connector"));
    EXPECT_TRUE(has_source(windows[0], "sock_diag"));
    EXPECT_EQ(windows[0]["poll_interval_ms"], 100);
    auto connections = run.records("connection");
    EXPECT_GE(connects_by(connections, beacon, listener.port), 4u);
    for (const auto& c : connections) {
        if (c["pid"] == beacon) EXPECT_EQ(c["source"], "sock_diag");
    }
    expect_short_child(run, short_child);
    auto triage = run_command({irsnap_binary(), "triage", only_bundle(run.out.path()).string()});
    EXPECT_NE(triage.out.find("IRS-ACT-001"), std::string::npos) << triage.out;
}

std::string observe_read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A datagram on loopback whose payload the pcap keeps (it is within the snap length).
void observe_send_marker(const std::string& marker) {
    const int receiver = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::getsockname(receiver, reinterpret_cast<sockaddr*>(&a), &len), 0);
    const int sender = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GT(::sendto(sender, marker.data(), marker.size(), 0, reinterpret_cast<sockaddr*>(&a),
                       sizeof a),
              0);
    ::close(sender);
    ::close(receiver);
}

TEST(Observe, ASealedBundleHoldsThePcapAndNothingInTheClear) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (packet capture)";
    TempDir tmp("irsnap-observe-sealed");
    const fs::path key = tmp.path() / "key.txt";
    const auto keygen = run_command({irsnap_binary(), "keygen", "-o", key.string()});
    ASSERT_EQ(keygen.out.rfind("Public key: age1", 0), 0u) << keygen.out << keygen.err;
    const std::string recipient = keygen.out.substr(12, keygen.out.find('\n') - 12);
    ObserveRun run({"--observe", "4", "--recipient", recipient});
    // The sealed run keeps its log inside the sealed file: wait into the window, then send.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const std::string marker = "irsnap-observe-sealed-marker-51d3";
    observe_send_marker(marker);
    const int code = run.finish(60000);
    ASSERT_TRUE(code == 0 || code == 1) << code;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(run.out.path())) {
        if (e.is_regular_file()) files.push_back(e.path());
    }
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].extension(), ".age");
    EXPECT_EQ(observe_read_file(files[0]).find(marker), std::string::npos);
    const fs::path into = tmp.path() / "unpacked";
    fs::create_directories(into);
    auto unpack = run_command(
        {irsnap_binary(), "unpack", files[0].string(), into.string(), "-i", key.string()});
    ASSERT_EQ(unpack.exit_code, 0) << unpack.out << unpack.err;
    const fs::path bundle = only_bundle(into);
    bool pcap_holds_marker = false;
    for (const auto& e : fs::directory_iterator(bundle / "artifacts")) {
        if (e.path().extension() == ".pcap") {
            pcap_holds_marker = observe_read_file(e.path()).find(marker) != std::string::npos;
        }
    }
    EXPECT_TRUE(pcap_holds_marker) << "the sealed bundle's pcap lacks the datagram";
}

TEST(Observe, TheCaptureStopsAtItsBudgetAndSaysSo) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (packet capture)";
    ObserveRun run({"--observe", "3", "--max-capture-bytes", "2000"});
    ASSERT_TRUE(run.window_open());
    for (int i = 0; i < 40; ++i) observe_send_marker("budget-" + std::to_string(i));
    const int code = run.finish(60000);
    EXPECT_EQ(code, 1) << "a capture cut short is reduced coverage";
    auto captures = run.records("capture");
    ASSERT_EQ(captures.size(), 1u);
    EXPECT_EQ(captures[0]["budget_reached"], true);
    EXPECT_GE(captures[0]["packets"].get<uint64_t>(), 80u);  // each datagram twice on loopback
    EXPECT_LT(captures[0]["packets_written"].get<uint64_t>(),
              captures[0]["packets"].get<uint64_t>());
    const fs::path bundle = only_bundle(run.out.path());
    const fs::path pcap = bundle / "artifacts" / captures[0]["attachment"].get<std::string>();
    EXPECT_LE(fs::file_size(pcap), 2000u);
    const json manifest = json::parse(observe_read_file(bundle / "manifest.json"));
    bool noted = false;
    for (const auto& c : manifest["collectors"]) {
        if (c["name"] != "activity") continue;
        for (const auto& note : c["coverage"]) {
            noted =
                noted || note.get<std::string>().find("--max-capture-bytes") != std::string::npos;
        }
    }
    EXPECT_TRUE(noted);
}

TEST(Observe, CtrlCAndTheTimeoutEndTheWindowAndTheBundleVerifies) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    {
        ObserveRun run({"--observe", "120"});
        ASSERT_TRUE(run.window_open());
        ::kill(run.pid, SIGINT);
        EXPECT_EQ(run.finish(20000), 4);  // interrupted (docs/exit-codes.md)
        auto windows = run.records("window");
        ASSERT_EQ(windows.size(), 1u);
        EXPECT_EQ(windows[0]["status"], "interrupted");
        EXPECT_EQ(run_command({irsnap_binary(), "verify", only_bundle(run.out.path()).string()})
                      .exit_code,
                  0);
    }
    {
        ObserveRun run({"--observe", "120", "--timeout-per-collector", "3"});
        ASSERT_TRUE(run.window_open());
        const int code = run.finish(30000);
        EXPECT_TRUE(code == 0 || code == 1) << code;
        auto windows = run.records("window");
        ASSERT_EQ(windows.size(), 1u);
        EXPECT_EQ(windows[0]["status"], "timeout");
        EXPECT_LT(windows[0]["seconds"].get<double>(), 10.0);
        EXPECT_EQ(run_command({irsnap_binary(), "verify", only_bundle(run.out.path()).string()})
                      .exit_code,
                  0);
    }
}

}  // namespace
}  // namespace irsnap::test
