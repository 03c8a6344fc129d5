// SPDX-License-Identifier: Apache-2.0
// The activity headers before iphlpapi.h: it pulls in objbase.h, whose `interface` macro would
// rename the events' `interface` field. (windows.h before winsock2.h is fine: the build defines
// WIN32_LEAN_AND_MEAN, so windows.h does not pull in the old winsock.h.)
#include "activity_tables_windows.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <iphlpapi.h>

#include <cstddef>
#include <cstring>

#include "irsnap/ip_text.hpp"
#include "irsnap/windows/net_tables.hpp"
#include "irsnap/windows/win_handle.hpp"
#include "irsnap/windows/win_net_format.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::collectors::activity {
namespace {

namespace wn = win_net;

constexpr size_t k_argv_bytes = 4096;  // the spec's "first 4 KiB"

/// Image path and (optionally) argv of a process first seen; both stay empty when it is denied
/// or already gone (a process that lived less than a poll interval).
void read_details(ProcessRow& row, bool want_argv, bool& truncated) {
    if (row.pid == 0 || row.pid == 4) return;  // idle and System: no image file, no command line
    win::UniqueHandle process(
        OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(row.pid)));
    if (!process) return;
    DWORD error = 0;
    if (auto path = win::process_image_path(process.get(), error)) row.exe = win::to_utf8(*path);
    if (!want_argv) return;
    long status = 0;
    auto line = win::process_command_line(process.get(), status);
    if (!line) return;
    size_t bytes = 0;
    for (const auto& arg : win::split_command_line(*line)) {
        std::string text = win::to_utf8(arg);
        if (bytes + text.size() > k_argv_bytes) {
            truncated = true;
            break;
        }
        bytes += text.size() + 1;
        row.argv.push_back(std::move(text));
    }
}

SocketRow row_for(const char* protocol, bool ipv6, std::string local, uint16_t local_port,
                  std::string remote, uint16_t remote_port, std::string state, DWORD pid,
                  const ProcessTable& owners) {
    SocketRow row;
    row.ends = {protocol,   ipv6 ? "ipv6" : "ipv4", std::move(local),
                local_port, std::move(remote),      remote_port};
    row.state = std::move(state);
    if (pid != 0) {
        row.pid = pid;
        if (auto it = owners.find(pid); it != owners.end()) row.process = it->second.process;
    }
    return row;
}

}  // namespace

bool WindowsTables::processes(const ProcessTable& previous, ProcessTable& out, bool argv_for_new,
                              long& status) {
    out.clear();
    if (!win::nt_process_list(m_list, m_process_buffer, status)) return false;
    for (const auto& p : m_list) {
        // A process being created is listed for a moment before its image is (Wine shows it
        // without a name and with another creation time): the next reading has it whole, and
        // taking it now would make one start look like two.
        if (p.pid != 0 && p.image_name.empty()) continue;
        ProcessRow row;
        row.pid = p.pid;
        if (p.pid != 0) row.ppid = p.ppid;
        row.start_key = static_cast<uint64_t>(p.create_time);
        row.process = win::to_utf8(p.image_name);
        auto old = previous.find(row.pid);
        if (old != previous.end() && old->second.start_key == row.start_key) {
            row.exe = old->second.exe;
            row.argv = old->second.argv;
        } else {
            m_truncated.erase(row.pid);
            bool truncated = false;
            read_details(row, argv_for_new, truncated);
            if (truncated) m_truncated.insert(row.pid);
        }
        out.emplace(row.pid, std::move(row));
    }
    return true;
}

void WindowsTables::sockets(const ProcessTable& owners, SocketTable& out,
                            std::vector<TableError>& errors) {
    out.clear();
    auto read = [&](const char* table, DWORD error) {
        if (error != ERROR_SUCCESS && error != ERROR_NO_DATA) errors.push_back({table, error});
        return error == ERROR_SUCCESS;
    };
    auto add = [&](SocketRow row) {
        auto ends = row.ends;
        out.emplace(std::move(ends), std::move(row));
    };
    if (read("GetExtendedTcpTable ipv4",
             win::extended_tcp_table_into(m_tcp4, AF_INET, TCP_TABLE_OWNER_PID_ALL))) {
        win::each_table_row<MIB_TCPTABLE_OWNER_PID>(m_tcp4, [&](const MIB_TCPROW_OWNER_PID& r) {
            add(row_for("tcp", false, win::table_ipv4_text(r.dwLocalAddr),
                        wn::port_from_table(r.dwLocalPort), win::table_ipv4_text(r.dwRemoteAddr),
                        wn::port_from_table(r.dwRemotePort), wn::tcp_state_name(r.dwState),
                        r.dwOwningPid, owners));
        });
    }
    if (read("GetExtendedTcpTable ipv6",
             win::extended_tcp_table_into(m_tcp6, AF_INET6, TCP_TABLE_OWNER_PID_ALL))) {
        win::each_table_row<MIB_TCP6TABLE_OWNER_PID>(m_tcp6, [&](const MIB_TCP6ROW_OWNER_PID& r) {
            add(row_for("tcp", true, ip::format_ipv6(r.ucLocalAddr),
                        wn::port_from_table(r.dwLocalPort), ip::format_ipv6(r.ucRemoteAddr),
                        wn::port_from_table(r.dwRemotePort), wn::tcp_state_name(r.dwState),
                        r.dwOwningPid, owners));
        });
    }
    // The UDP tables name no peer: the rows are unconnected sockets, CLOSE as Linux names them.
    if (read("GetExtendedUdpTable ipv4",
             win::extended_udp_table_into(m_udp4, AF_INET, UDP_TABLE_OWNER_PID))) {
        win::each_table_row<MIB_UDPTABLE_OWNER_PID>(m_udp4, [&](const MIB_UDPROW_OWNER_PID& r) {
            add(row_for("udp", false, win::table_ipv4_text(r.dwLocalAddr),
                        wn::port_from_table(r.dwLocalPort), "0.0.0.0", 0, "CLOSE", r.dwOwningPid,
                        owners));
        });
    }
    if (read("GetExtendedUdpTable ipv6",
             win::extended_udp_table_into(m_udp6, AF_INET6, UDP_TABLE_OWNER_PID))) {
        win::each_table_row<MIB_UDP6TABLE_OWNER_PID>(m_udp6, [&](const MIB_UDP6ROW_OWNER_PID& r) {
            add(row_for("udp", true, ip::format_ipv6(r.ucLocalAddr),
                        wn::port_from_table(r.dwLocalPort), "::", 0, "CLOSE", r.dwOwningPid,
                        owners));
        });
    }
}

}  // namespace irsnap::collectors::activity
