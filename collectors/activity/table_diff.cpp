// SPDX-License-Identifier: Apache-2.0
#include "table_diff.hpp"

namespace irsnap::collectors::activity {
namespace {

std::set<std::pair<std::string, uint16_t>> listening_ports(const SocketTable& a,
                                                           const SocketTable& b) {
    std::set<std::pair<std::string, uint16_t>> ports;
    for (const auto* table : {&a, &b}) {
        for (const auto& [ends, row] : *table) {
            if (row.state == "LISTEN") ports.emplace(ends.protocol, ends.local_port);
        }
    }
    return ports;
}

ConnectionEvent event_for(const SocketRow& row, const Stamp& at, const std::string& source) {
    ConnectionEvent e;
    e.source = source;
    e.at = at;
    e.ends = row.ends;
    e.pid = row.pid;
    e.process = row.process;
    return e;
}

}  // namespace

std::vector<ConnectionEvent> diff_socket_tables(const SocketTable& before, const SocketTable& after,
                                                const Stamp& at, const std::string& source) {
    const auto listening = listening_ports(before, after);
    std::vector<ConnectionEvent> events;
    for (const auto& [ends, row] : after) {
        auto old = before.find(ends);
        if (old != before.end()) {
            if (old->second.state == row.state) continue;
            auto e = event_for(row, at, source);
            if (!e.pid) {
                e.pid = old->second.pid;
                e.process = old->second.process;
            }
            e.event = "state";
            e.old_state = old->second.state;
            e.new_state = row.state;
            events.push_back(std::move(e));
            continue;
        }
        auto e = event_for(row, at, source);
        e.new_state = row.state;
        if (row.state == "LISTEN") {
            e.event = "listen";
            e.direction = "listen";
        } else if (ends.protocol == "tcp") {
            const bool inbound = listening.count({ends.protocol, ends.local_port}) > 0;
            e.event = inbound ? "accept" : "connect";
            e.direction = inbound ? "inbound" : "outbound";
        } else {
            e.event = "open";
            // A connected UDP socket names its peer: the host chose it.
            if (ends.remote_port != 0) e.direction = "outbound";
        }
        events.push_back(std::move(e));
    }
    for (const auto& [ends, row] : before) {
        if (after.count(ends)) continue;
        auto e = event_for(row, at, source);
        e.event = "close";
        e.old_state = row.state;
        e.new_state = "CLOSE";
        events.push_back(std::move(e));
    }
    return events;
}

std::vector<ProcessEvent> diff_process_tables(const ProcessTable& before, const ProcessTable& after,
                                              const Stamp& at, const std::string& source) {
    std::vector<ProcessEvent> events;
    auto make = [&](const ProcessRow& row, const char* what) {
        ProcessEvent e;
        e.event = what;
        e.source = source;
        e.at = at;
        e.pid = row.pid;
        e.ppid = row.ppid;
        e.process = row.process;
        e.exe = row.exe;
        if (e.event == "exec") e.argv = row.argv;
        return e;
    };
    for (const auto& [pid, row] : before) {
        auto now = after.find(pid);
        if (now == after.end() || now->second.start_key != row.start_key) {
            events.push_back(make(row, "exit"));
        }
    }
    for (const auto& [pid, row] : after) {
        auto old = before.find(pid);
        if (old == before.end() || old->second.start_key != row.start_key) {
            events.push_back(make(row, "exec"));
        }
    }
    return events;
}

}  // namespace irsnap::collectors::activity
