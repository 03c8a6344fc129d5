// SPDX-License-Identifier: Apache-2.0
// table_diff: the events two readings of the socket and process tables, taken a poll interval
// apart, turn into (the fallback of the activity collector on Linux, its only source on
// Windows). Pure: literal tables, no host.
#include <gtest/gtest.h>

#include "activity/table_diff.hpp"

namespace irsnap::collectors::activity {
namespace {

const Stamp k_diff_at{1'700'000'000'000'000'000, 42};

SocketRow diff_socket(const char* protocol, uint16_t local_port, const char* remote,
                      uint16_t remote_port, const char* state, std::optional<int64_t> pid,
                      const char* process = "") {
    SocketRow row;
    row.ends = {protocol, "ipv4", "127.0.0.1", local_port, remote, remote_port};
    row.state = state;
    row.pid = pid;
    row.process = process;
    return row;
}

SocketTable diff_sockets(std::initializer_list<SocketRow> rows) {
    SocketTable table;
    for (const auto& r : rows) table.emplace(r.ends, r);
    return table;
}

ProcessRow diff_process(int64_t pid, uint64_t start_key, const char* name, int64_t ppid = 1) {
    ProcessRow row;
    row.pid = pid;
    row.ppid = ppid;
    row.start_key = start_key;
    row.process = name;
    row.exe = std::string("C:\\bin\\") + name;
    row.argv = {name, "--flag"};
    return row;
}

ProcessTable diff_processes(std::initializer_list<ProcessRow> rows) {
    ProcessTable table;
    for (const auto& r : rows) table.emplace(r.pid, r);
    return table;
}

const ConnectionEvent* diff_find(const std::vector<ConnectionEvent>& events, uint16_t local_port) {
    for (const auto& e : events) {
        if (e.ends.local_port == local_port) return &e;
    }
    return nullptr;
}

TEST(ActivityDiff, ANewListenerIsListen) {
    const auto events = diff_socket_tables(
        {}, diff_sockets({diff_socket("tcp", 8080, "0.0.0.0", 0, "LISTEN", 10, "srv")}), k_diff_at,
        "poll");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "listen");
    EXPECT_EQ(events[0].direction, "listen");
    EXPECT_EQ(events[0].old_state, "");
    EXPECT_EQ(events[0].new_state, "LISTEN");
    EXPECT_EQ(events[0].pid, 10);
    EXPECT_EQ(events[0].process, "srv");
    EXPECT_EQ(events[0].source, "poll");
    EXPECT_EQ(events[0].at.monotonic_ns, 42);
}

TEST(ActivityDiff, ANewSocketToAForeignPortIsAnOutboundConnect) {
    const auto events = diff_socket_tables(
        {}, diff_sockets({diff_socket("tcp", 50000, "10.0.0.1", 443, "SYN_SENT", 7)}), k_diff_at,
        "poll");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "connect");
    EXPECT_EQ(events[0].direction, "outbound");
    EXPECT_EQ(events[0].new_state, "SYN_SENT");
    EXPECT_EQ(events[0].ends.remote_port, 443);
}

TEST(ActivityDiff, ANewSocketOnAListeningPortIsAnInboundAccept) {
    const auto listener = diff_socket("tcp", 8080, "0.0.0.0", 0, "LISTEN", 10);
    const auto events = diff_socket_tables(
        diff_sockets({listener}),
        diff_sockets({listener, diff_socket("tcp", 8080, "10.0.0.9", 51000, "ESTABLISHED", 10)}),
        k_diff_at, "poll");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "accept");
    EXPECT_EQ(events[0].direction, "inbound");
    EXPECT_EQ(events[0].ends.remote_address, "10.0.0.9");
}

// The listener may appear in the same reading as its first connection (both within 100 ms).
TEST(ActivityDiff, AListenerFirstSeenWithItsConnectionStillMakesItAnAccept) {
    const auto events = diff_socket_tables(
        {},
        diff_sockets({diff_socket("tcp", 8080, "0.0.0.0", 0, "LISTEN", 10),
                      diff_socket("tcp", 8080, "10.0.0.9", 51000, "ESTABLISHED", 10)}),
        k_diff_at, "poll");
    ASSERT_EQ(events.size(), 2u);
    int listens = 0, accepts = 0;
    for (const auto& e : events) {
        listens += e.event == "listen";
        accepts += e.event == "accept";
    }
    EXPECT_EQ(listens, 1);
    EXPECT_EQ(accepts, 1);
}

TEST(ActivityDiff, AVanishedSocketIsCloseWithItsLastOwner) {
    const auto events = diff_socket_tables(
        diff_sockets({diff_socket("tcp", 50000, "10.0.0.1", 443, "ESTABLISHED", 7, "beacon")}), {},
        k_diff_at, "poll");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "close");
    EXPECT_EQ(events[0].old_state, "ESTABLISHED");
    EXPECT_EQ(events[0].new_state, "CLOSE");
    EXPECT_EQ(events[0].pid, 7);
    EXPECT_EQ(events[0].process, "beacon");
}

// Windows lists TIME_WAIT rows with owner pid 0 (no owner): the event keeps the earlier owner.
TEST(ActivityDiff, AStateChangeIsStateAndKeepsTheOwnerTheNewRowLacks) {
    const auto events = diff_socket_tables(
        diff_sockets({diff_socket("tcp", 50000, "10.0.0.1", 443, "ESTABLISHED", 7, "beacon")}),
        diff_sockets({diff_socket("tcp", 50000, "10.0.0.1", 443, "TIME_WAIT", std::nullopt)}),
        k_diff_at, "poll");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "state");
    EXPECT_EQ(events[0].old_state, "ESTABLISHED");
    EXPECT_EQ(events[0].new_state, "TIME_WAIT");
    EXPECT_EQ(events[0].pid, 7);
    EXPECT_EQ(events[0].process, "beacon");
}

TEST(ActivityDiff, AnUnchangedTableMakesNoEvents) {
    const auto table = diff_sockets({diff_socket("tcp", 8080, "0.0.0.0", 0, "LISTEN", 10),
                                     diff_socket("udp", 53, "0.0.0.0", 0, "CLOSE", 11),
                                     diff_socket("tcp", 50000, "10.0.0.1", 443, "ESTABLISHED", 7)});
    EXPECT_TRUE(diff_socket_tables(table, table, k_diff_at, "poll").empty());
}

TEST(ActivityDiff, ANewUdpSocketIsOpenOutboundOnlyWhenItNamesAPeer) {
    const auto events = diff_socket_tables(
        {},
        diff_sockets({diff_socket("udp", 5353, "0.0.0.0", 0, "CLOSE", 3),
                      diff_socket("udp", 40000, "10.0.0.53", 53, "ESTABLISHED", 4)}),
        k_diff_at, "poll");
    ASSERT_EQ(events.size(), 2u);
    const auto* unconnected = diff_find(events, 5353);
    const auto* connected = diff_find(events, 40000);
    ASSERT_TRUE(unconnected && connected);
    EXPECT_EQ(unconnected->event, "open");
    EXPECT_EQ(unconnected->direction, "");
    EXPECT_EQ(connected->event, "open");
    EXPECT_EQ(connected->direction, "outbound");
}

// A UDP port bound by a process that also listens on the same TCP port is no TCP accept.
TEST(ActivityDiff, ATcpListenerDoesNotMakeAUdpSocketOnItsPortInbound) {
    const auto listener = diff_socket("tcp", 53, "0.0.0.0", 0, "LISTEN", 10);
    const auto events = diff_socket_tables(
        diff_sockets({listener}),
        diff_sockets({listener, diff_socket("udp", 53, "0.0.0.0", 0, "CLOSE", 10)}), k_diff_at,
        "poll");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "open");
    EXPECT_NE(events[0].direction, "inbound");
}

TEST(ActivityDiff, ProcessesStartedAndEndedAreExecAndExit) {
    const auto before =
        diff_processes({diff_process(1, 100, "init"), diff_process(20, 200, "old")});
    const auto after =
        diff_processes({diff_process(1, 100, "init"), diff_process(30, 300, "new", 1)});
    const auto events = diff_process_tables(before, after, k_diff_at, "poll");
    ASSERT_EQ(events.size(), 2u);
    const ProcessEvent* exec = nullptr;
    const ProcessEvent* exit = nullptr;
    for (const auto& e : events) (e.event == "exec" ? exec : exit) = &e;
    ASSERT_TRUE(exec && exit);
    EXPECT_EQ(exec->pid, 30);
    EXPECT_EQ(exec->ppid, 1);
    EXPECT_EQ(exec->process, "new");
    EXPECT_EQ(exec->exe, "C:\\bin\\new");
    EXPECT_EQ(exec->argv, (std::vector<std::string>{"new", "--flag"}));
    EXPECT_EQ(exec->source, "poll");
    EXPECT_EQ(exit->pid, 20);
    EXPECT_EQ(exit->process, "old");
    EXPECT_TRUE(exit->argv.empty());  // argv belongs to exec
    EXPECT_FALSE(exit->exit_code);    // a poll never learns it
}

TEST(ActivityDiff, AReusedPidIsAnExitAndAnExec) {
    const auto events =
        diff_process_tables(diff_processes({diff_process(40, 400, "first")}),
                            diff_processes({diff_process(40, 401, "second")}), k_diff_at, "poll");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].event, "exit");
    EXPECT_EQ(events[0].process, "first");
    EXPECT_EQ(events[1].event, "exec");
    EXPECT_EQ(events[1].process, "second");
}

TEST(ActivityDiff, TheSameProcessTableMakesNoEvents) {
    const auto table = diff_processes({diff_process(1, 100, "init"), diff_process(2, 101, "x")});
    EXPECT_TRUE(diff_process_tables(table, table, k_diff_at, "poll").empty());
}

}  // namespace
}  // namespace irsnap::collectors::activity
