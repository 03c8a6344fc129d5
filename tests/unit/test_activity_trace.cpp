// SPDX-License-Identifier: Apache-2.0
// The observe window's Linux event sources: the tracepoint records (decode_trace_record) and the
// process connector's datagrams (parse_proc_connector) over literal bytes, then both sources
// live (root with BPF: a real fork, exec, exit, TCP connect and UDP send by this process).
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include "irsnap/linux/activity_trace.hpp"
#include "irsnap/linux/bpf_trace_records.h"
#include "irsnap/linux/kernel_tasks.hpp"
#include "irsnap/linux/proc_connector.hpp"

namespace irsnap {
namespace {

using trace::EventKind;
using trace::TraceEvent;

template <class R>
std::string trace_test_bytes(const R& r) {
    return std::string(reinterpret_cast<const char*>(&r), sizeof(r));
}

void trace_test_header(irsnap_trace_header& h, uint16_t size, uint16_t kind) {
    h.size = size;
    h.kind = kind;
    h.monotonic_ns = 123456789;
    h.tgid = 4242;
    h.pid = 4243;
    std::memcpy(h.comm, "sh\0", 3);
}

irsnap_trace_exec trace_test_exec() {
    irsnap_trace_exec r{};
    trace_test_header(r.h, sizeof(r), IRSNAP_TRACE_EXEC);
    r.ppid = 1;
    r.uid = 1000;
    std::memcpy(r.filename, "/bin/sh", 7);
    r.filename_len = 7;
    const char argv[] = "sh\0-c\0exit 3";  // the array's own NUL ends the last argument
    std::memcpy(r.argv, argv, sizeof(argv));
    r.argv_len = sizeof(argv);
    return r;
}

irsnap_trace_sock trace_test_sock(uint16_t kind, uint16_t family) {
    irsnap_trace_sock r{};
    trace_test_header(r.h, sizeof(r), kind);
    r.skaddr = 0xffff888012345678ull;
    r.family = family;
    r.protocol = kind == IRSNAP_TRACE_TCP_STATE ? 6 : 17;
    r.sport = 40000;
    r.dport = 443;
    if (family == AF_INET) {
        const uint8_t s[4] = {10, 0, 0, 5}, d[4] = {93, 184, 216, 34};
        std::memcpy(r.saddr, s, 4);
        std::memcpy(r.daddr, d, 4);
    } else {
        r.saddr[15] = 1;  // ::1
        r.daddr[0] = 0x20;
        r.daddr[1] = 0x01;
        r.daddr[2] = 0x0d;
        r.daddr[3] = 0xb8;
        r.daddr[15] = 2;  // 2001:db8::2
    }
    return r;
}

TEST(TraceRecords, ExecDecodesFilenameAndArgv) {
    auto e = trace::decode_trace_record(trace_test_bytes(trace_test_exec()));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, EventKind::exec);
    EXPECT_EQ(e->monotonic_ns, 123456789u);
    EXPECT_EQ(e->pid, 4242);
    EXPECT_EQ(e->tid, 4243);
    EXPECT_EQ(e->ppid, 1);
    EXPECT_EQ(e->uid, 1000);
    EXPECT_EQ(e->comm, "sh");
    EXPECT_EQ(e->filename, "/bin/sh");
    EXPECT_EQ(e->argv, (std::vector<std::string>{"sh", "-c", "exit 3"}));
    EXPECT_FALSE(e->argv_truncated);
}

TEST(TraceRecords, ExecTruncatedArgvKeepsTheCutArgument) {
    auto r = trace_test_exec();
    std::memset(r.argv, 'a', sizeof(r.argv));
    r.argv[3] = '\0';
    r.argv_len = sizeof(r.argv);
    r.argv_truncated = 1;
    r.filename_len = -14;  // EFAULT: no filename
    auto e = trace::decode_trace_record(trace_test_bytes(r));
    ASSERT_TRUE(e);
    ASSERT_EQ(e->argv.size(), 2u);
    EXPECT_EQ(e->argv[0], "aaa");
    EXPECT_EQ(e->argv[1].size(), sizeof(r.argv) - 4);
    EXPECT_TRUE(e->argv_truncated);
    EXPECT_EQ(e->filename, "");
}

TEST(TraceRecords, ForkAndExitDecode) {
    irsnap_trace_fork f{};
    trace_test_header(f.h, sizeof(f), IRSNAP_TRACE_FORK);
    f.child_pid = f.child_tgid = 5000;
    auto fork = trace::decode_trace_record(trace_test_bytes(f));
    ASSERT_TRUE(fork);
    EXPECT_EQ(fork->kind, EventKind::fork);
    EXPECT_EQ(fork->pid, 4242);
    EXPECT_EQ(fork->child_pid, 5000);

    irsnap_trace_exit x{};
    trace_test_header(x.h, sizeof(x), IRSNAP_TRACE_EXIT);
    x.exit_code = 3 << 8;
    auto exit = trace::decode_trace_record(trace_test_bytes(x));
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->kind, EventKind::exit);
    EXPECT_EQ(exit->exit_code, 768);
}

TEST(TraceRecords, SocketRecordsDecodeBothFamilies) {
    auto r = trace_test_sock(IRSNAP_TRACE_TCP_STATE, AF_INET);
    r.old_state = 7;  // CLOSE
    r.new_state = 2;  // SYN_SENT
    auto tcp = trace::decode_trace_record(trace_test_bytes(r));
    ASSERT_TRUE(tcp);
    EXPECT_EQ(tcp->kind, EventKind::tcp_state);
    EXPECT_EQ(tcp->sock, 0xffff888012345678ull);
    EXPECT_EQ(tcp->saddr, "10.0.0.5");
    EXPECT_EQ(tcp->daddr, "93.184.216.34");
    EXPECT_EQ(tcp->sport, 40000);
    EXPECT_EQ(tcp->dport, 443);
    EXPECT_EQ(trace::tcp_state_name(tcp->old_state), "CLOSE");
    EXPECT_EQ(trace::tcp_state_name(tcp->new_state), "SYN_SENT");

    auto udp = trace::decode_trace_record(
        trace_test_bytes(trace_test_sock(IRSNAP_TRACE_UDP_SEND, AF_INET6)));
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->kind, EventKind::udp_send);
    EXPECT_EQ(udp->family, AF_INET6);
    EXPECT_EQ(udp->saddr, "::1");
    EXPECT_EQ(udp->daddr, "2001:db8::2");
}

TEST(TraceRecords, WrongSizesKindsAndLengthsAreRejected) {
    const std::string exec = trace_test_bytes(trace_test_exec());
    EXPECT_FALSE(trace::decode_trace_record(""));
    EXPECT_FALSE(trace::decode_trace_record(exec.substr(0, exec.size() - 1)));
    EXPECT_FALSE(trace::decode_trace_record(exec + '\0'));
    EXPECT_FALSE(trace::decode_trace_record(exec.substr(0, sizeof(irsnap_trace_header))));
    auto r = trace_test_exec();
    r.h.size = 100;
    EXPECT_FALSE(trace::decode_trace_record(trace_test_bytes(r)));
    r = trace_test_exec();
    r.h.kind = 99;
    EXPECT_FALSE(trace::decode_trace_record(trace_test_bytes(r)));
    r = trace_test_exec();
    r.argv_len = sizeof(r.argv) + 1;
    EXPECT_FALSE(trace::decode_trace_record(trace_test_bytes(r)));
    r = trace_test_exec();
    r.filename_len = sizeof(r.filename);
    EXPECT_FALSE(trace::decode_trace_record(trace_test_bytes(r)));
    // A fork record labelled as an exec: the exec's size does not match.
    irsnap_trace_fork f{};
    trace_test_header(f.h, sizeof(f), IRSNAP_TRACE_EXEC);
    EXPECT_FALSE(trace::decode_trace_record(trace_test_bytes(f)));
    auto s = trace_test_sock(IRSNAP_TRACE_TCP_STATE, 1);  // AF_UNIX is not traced
    EXPECT_FALSE(trace::decode_trace_record(trace_test_bytes(s)));
}

TEST(TraceRecords, TcpStateNames) {
    EXPECT_EQ(trace::tcp_state_name(1), "ESTABLISHED");
    EXPECT_EQ(trace::tcp_state_name(10), "LISTEN");
    EXPECT_EQ(trace::tcp_state_name(12), "NEW_SYN_RECV");
    EXPECT_EQ(trace::tcp_state_name(0), "STATE_0");
    EXPECT_EQ(trace::tcp_state_name(99), "STATE_99");
}

// ---- the process connector's datagrams

/// One connector message as the kernel sends it: nlmsghdr + cn_msg + proc_event (`data_size`
/// bytes of it).
std::string procconn_test_message(uint32_t what, const void* data, size_t data_size) {
    const size_t event_size = offsetof(proc_event, event_data) + data_size;
    std::string out(NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(cn_msg) + event_size), '\0');
    nlmsghdr nl{};
    nl.nlmsg_len = NLMSG_HDRLEN + sizeof(cn_msg) + event_size;
    nl.nlmsg_type = NLMSG_DONE;
    cn_msg cn{};
    cn.id.idx = CN_IDX_PROC;
    cn.id.val = CN_VAL_PROC;
    cn.len = event_size;
    const uint32_t cpu = 1;
    const uint64_t timestamp = 987654321;
    char* at = out.data();
    std::memcpy(at, &nl, sizeof(nl));
    at += NLMSG_HDRLEN;
    std::memcpy(at, &cn, sizeof(cn));
    at += sizeof(cn);
    std::memcpy(at + offsetof(proc_event, what), &what, 4);
    std::memcpy(at + offsetof(proc_event, cpu), &cpu, 4);
    std::memcpy(at + offsetof(proc_event, timestamp_ns), &timestamp, 8);
    std::memcpy(at + offsetof(proc_event, event_data), data, data_size);
    return out;
}

TEST(ProcConnParse, ForkExecExit) {
    const int32_t fork_ids[4] = {100, 100, 101, 101};
    auto fork = procconn::parse_proc_connector(
        procconn_test_message(proc_event::PROC_EVENT_FORK, fork_ids, sizeof(fork_ids)));
    ASSERT_EQ(fork.size(), 1u);
    EXPECT_EQ(fork[0].kind, procconn::ProcEvent::Kind::fork);
    EXPECT_EQ(fork[0].timestamp_ns, 987654321u);
    EXPECT_EQ(fork[0].parent_tgid, 100);
    EXPECT_EQ(fork[0].pid, 101);
    EXPECT_EQ(fork[0].tgid, 101);

    const int32_t exec_ids[2] = {101, 101};
    auto exec = procconn::parse_proc_connector(
        procconn_test_message(proc_event::PROC_EVENT_EXEC, exec_ids, sizeof(exec_ids)));
    ASSERT_EQ(exec.size(), 1u);
    EXPECT_EQ(exec[0].kind, procconn::ProcEvent::Kind::exec);
    EXPECT_EQ(exec[0].pid, 101);

    const uint32_t exit_data[6] = {101, 101, 3 << 8, 17, 100, 100};
    auto exit = procconn::parse_proc_connector(
        procconn_test_message(proc_event::PROC_EVENT_EXIT, exit_data, sizeof(exit_data)));
    ASSERT_EQ(exit.size(), 1u);
    EXPECT_EQ(exit[0].kind, procconn::ProcEvent::Kind::exit);
    EXPECT_EQ(exit[0].exit_code, 768);
    EXPECT_EQ(exit[0].parent_tgid, 100);
    // An older kernel's exit, without the parent fields.
    auto old_exit = procconn::parse_proc_connector(
        procconn_test_message(proc_event::PROC_EVENT_EXIT, exit_data, 16));
    ASSERT_EQ(old_exit.size(), 1u);
    EXPECT_EQ(old_exit[0].parent_tgid, 0);
}

TEST(ProcConnParse, TwoMessagesInOneDatagram) {
    const int32_t exec_ids[2] = {7, 7};
    const uint32_t other[1] = {0};
    const std::string two =
        procconn_test_message(proc_event::PROC_EVENT_EXEC, exec_ids, sizeof(exec_ids)) +
        procconn_test_message(proc_event::PROC_EVENT_NONE, other, sizeof(other));
    auto events = procconn::parse_proc_connector(two);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, procconn::ProcEvent::Kind::exec);
    EXPECT_EQ(events[1].kind, procconn::ProcEvent::Kind::other);
}

TEST(ProcConnParse, ShortAndForeignMessagesYieldNothing) {
    const int32_t fork_ids[4] = {1, 1, 2, 2};
    const std::string whole =
        procconn_test_message(proc_event::PROC_EVENT_FORK, fork_ids, sizeof(fork_ids));
    // Every cut: the nlmsghdr length no longer fits, nothing is read past the end.
    for (size_t cut = 0; cut < whole.size() - 4; ++cut) {
        EXPECT_TRUE(procconn::parse_proc_connector(whole.substr(0, cut)).empty()) << cut;
    }
    // A fork whose cn_msg says it is too short for the fork's pids.
    std::string short_fork = procconn_test_message(proc_event::PROC_EVENT_FORK, fork_ids, 8);
    EXPECT_TRUE(procconn::parse_proc_connector(short_fork).empty());
    // Another connector's message.
    std::string foreign = whole;
    const uint32_t idx = CN_IDX_PROC + 1;
    std::memcpy(foreign.data() + NLMSG_HDRLEN, &idx, 4);
    EXPECT_TRUE(procconn::parse_proc_connector(foreign).empty());
    // cn_msg's len beyond the netlink message.
    std::string long_cn = whole;
    const uint16_t len = 4000;
    std::memcpy(long_cn.data() + NLMSG_HDRLEN + offsetof(cn_msg, len), &len, 2);
    EXPECT_TRUE(procconn::parse_proc_connector(long_cn).empty());
}

// ---- live

/// fork + exec of /bin/sh -c 'exit 3'; the child's pid.
pid_t trace_test_spawn_exit3() {
    const pid_t child = ::fork();
    if (child == 0) {
        ::execl("/bin/sh", "sh", "-c", "exit 3", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return child;
}

int trace_test_reap(pid_t child) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

/// Polls `fd` and calls `drain` until `done` or 5 seconds.
template <class Drain, class Done>
bool trace_test_until(int fd, Drain drain, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 100);
        drain();
    }
    return true;
}

/// The BPF programs loaded now, by id (names: the kernel keeps 15 characters).
std::map<__u32, std::string> trace_test_loaded_programs() {
    std::map<__u32, std::string> loaded;
    __u32 id = 0;
    while (bpf_prog_get_next_id(id, &id) == 0) {
        const int fd = bpf_prog_get_fd_by_id(id);
        if (fd < 0) continue;
        bpf_prog_info info{};
        __u32 size = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &size) == 0) loaded.emplace(id, info.name);
        ::close(fd);
    }
    return loaded;
}

const std::set<std::string> k_trace_test_programs = {"irsnap_exec", "irsnap_fork", "irsnap_exit",
                                                     "irsnap_tcp_stat", "irsnap_udp_send"};

/// The ids of the activity skeleton's programs in `loaded` that `before` did not have: this
/// session's own, whatever another irsnap on the host (a parallel test) holds.
std::set<__u32> trace_test_ours(const std::map<__u32, std::string>& loaded,
                                const std::map<__u32, std::string>& before) {
    std::set<__u32> ids;
    for (const auto& [id, name] : loaded) {
        if (k_trace_test_programs.count(name) && !before.count(id)) ids.insert(id);
    }
    return ids;
}

TEST(TraceSessionLive, ProcessTcpAndUdpEventsOfThisProcess) {
    if (auto why = kernel_view::kernel_views_unavailable(); !why.empty()) GTEST_SKIP() << why;
    const auto before = trace_test_loaded_programs();
    auto started = trace::TraceSession::start();
    ASSERT_TRUE(started) << started.error().message;
    auto& session = *started;
    EXPECT_EQ(session->attached().size() + session->missing().size(), 5u);
    const std::set<__u32> ours = trace_test_ours(trace_test_loaded_programs(), before);
    EXPECT_EQ(ours.size(), session->attached().size());
    const pid_t self = ::getpid();

    const pid_t child = trace_test_spawn_exit3();
    ASSERT_GT(child, 0);
    EXPECT_EQ(trace_test_reap(child), 3 << 8);
    bool forked = false, execd = false, exited = false;
    auto take_process = [&](const TraceEvent& e) {
        if (e.kind == EventKind::fork && e.pid == self && e.child_pid == child) forked = true;
        if (e.kind == EventKind::exec && e.pid == child) {
            execd = true;
            EXPECT_EQ(e.filename, "/bin/sh");
            EXPECT_EQ(e.argv, (std::vector<std::string>{"sh", "-c", "exit 3"}));
            EXPECT_EQ(e.ppid, self);
            EXPECT_EQ(e.uid, 0);
        }
        if (e.kind == EventKind::exit && e.pid == child) {
            exited = true;
            EXPECT_EQ(e.exit_code, 3 << 8);
        }
    };
    EXPECT_TRUE(trace_test_until(
        session->fd(), [&] { session->consume(take_process); },
        [&] { return forked && execd && exited; }))
        << "fork " << forked << " exec " << execd << " exit " << exited;

    // TCP on loopback: listen, connect, accept.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    const uint16_t server_port = ntohs(addr.sin_port);
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const int accepted = ::accept(listener, nullptr, nullptr);
    sockaddr_in local{};
    len = sizeof(local);
    ::getsockname(client, reinterpret_cast<sockaddr*>(&local), &len);
    const uint16_t client_port = ntohs(local.sin_port);
    bool listening = false, syn_sent = false, client_up = false, server_up = false;
    auto take_tcp = [&](const TraceEvent& e) {
        if (e.kind != EventKind::tcp_state || e.family != AF_INET) return;
        if (e.new_state == 10 && e.sport == server_port && e.pid == self) listening = true;
        if (e.old_state == 7 && e.new_state == 2 && e.dport == server_port) {
            syn_sent = true;
            EXPECT_EQ(e.pid, self);
            EXPECT_EQ(e.daddr, "127.0.0.1");
        }
        if (e.new_state == 1 && e.sport == client_port && e.dport == server_port) client_up = true;
        if (e.new_state == 1 && e.sport == server_port && e.dport == client_port) server_up = true;
    };
    EXPECT_TRUE(trace_test_until(
        session->fd(), [&] { session->consume(take_tcp); },
        [&] { return listening && syn_sent && client_up && server_up; }))
        << "listen " << listening << " syn_sent " << syn_sent << " client established " << client_up
        << " server established " << server_up;
    ::close(accepted);
    ::close(client);
    ::close(listener);

    const bool udp_traced = std::find(session->attached().begin(), session->attached().end(),
                                      "sock/sock_send_length") != session->attached().end();
    if (udp_traced) {
        const int receiver = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
        len = sizeof(to);
        ::getsockname(receiver, reinterpret_cast<sockaddr*>(&to), &len);
        const int sender = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_EQ(::connect(sender, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
        ASSERT_EQ(::send(sender, "x", 1, 0), 1);
        sockaddr_in from{};
        len = sizeof(from);
        ::getsockname(sender, reinterpret_cast<sockaddr*>(&from), &len);
        bool sent = false;
        auto take_udp = [&](const TraceEvent& e) {
            if (e.kind == EventKind::udp_send && e.pid == self && e.sport == ntohs(from.sin_port)) {
                sent = true;
                EXPECT_EQ(e.dport, ntohs(to.sin_port));
                EXPECT_EQ(e.daddr, "127.0.0.1");
            }
        };
        EXPECT_TRUE(trace_test_until(
            session->fd(), [&] { session->consume(take_udp); }, [&] { return sent; }));
        ::close(sender);
        ::close(receiver);
    }
    EXPECT_EQ(session->undecodable(), 0u);
    session.reset();
    // The kernel frees a detached tracing program after an RCU grace period, not at close.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto still_loaded = [&] {
        size_t n = 0;
        for (const auto& entry : trace_test_loaded_programs()) n += ours.count(entry.first);
        return n;
    };
    size_t still = still_loaded();
    while (still > 0 && std::chrono::steady_clock::now() < deadline) {
        ::usleep(20000);
        still = still_loaded();
    }
    EXPECT_EQ(still, 0u) << "a program of the activity skeleton is still loaded";
}

TEST(ProcConnLive, ExecAndExitOfAChild) {
    if (::geteuid() != 0) GTEST_SKIP() << "not root: the process connector needs root";
    auto opened = procconn::ProcConnector::open();
    ASSERT_TRUE(opened) << opened.error().message;
    auto& conn = *opened;
    const pid_t self = ::getpid();
    const pid_t child = trace_test_spawn_exit3();
    ASSERT_GT(child, 0);
    EXPECT_EQ(trace_test_reap(child), 3 << 8);
    bool forked = false, execd = false, exited = false;
    auto take = [&](const procconn::ProcEvent& e) {
        using Kind = procconn::ProcEvent::Kind;
        if (e.kind == Kind::fork && e.tgid == child && e.parent_tgid == self) forked = true;
        if (e.kind == Kind::exec && e.pid == child) execd = true;
        if (e.kind == Kind::exit && e.pid == child) {
            exited = true;
            EXPECT_EQ(e.exit_code, 3 << 8);
            EXPECT_EQ(e.parent_tgid, self);
        }
    };
    EXPECT_TRUE(trace_test_until(
        conn.fd(), [&] { conn.drain(take); }, [&] { return forked && execd && exited; }))
        << "fork " << forked << " exec " << execd << " exit " << exited;
}

}  // namespace
}  // namespace irsnap
