// SPDX-License-Identifier: Apache-2.0
// TCP and UDP endpoints on Windows, v4 and v6, from GetExtendedTcpTable (TCP_TABLE_OWNER_PID_ALL)
// and GetExtendedUdpTable (UDP_TABLE_OWNER_PID), with the owning process the table names. The
// tables are read first (connections vanish fastest), then one process snapshot names the owner
// pids: a pid that exited in between keeps its number and gets no name.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <iphlpapi.h>

#include <cstring>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "irsnap/ip_text.hpp"
#include "irsnap/windows/net_tables.hpp"
#include "irsnap/windows/nt_process.hpp"
#include "irsnap/windows/win_net_format.hpp"
#include "irsnap/windows/win_text.hpp"
#include "irsnap/windows/wine_detect.hpp"
#include "network.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
namespace wn = win_net;

struct Endpoint {
    const char* protocol;
    bool ipv6;
    std::string local_address;
    uint16_t local_port;
    json remote_address;  ///< null for UDP: the table has no peer
    json remote_port;
    json state;
    json local_scope_id;
    json remote_scope_id;
    uint32_t pid;
};

/// Reads the four tables; a table that cannot be read is an item error, the others go on.
std::vector<Endpoint> read_endpoints(RecordSink& sink) {
    std::vector<Endpoint> out;
    auto failed = [&](const char* what, DWORD error) {
        if (error != ERROR_SUCCESS && error != ERROR_NO_DATA) {
            sink.item_error(
                ItemError::from_win32("read", error, what, fmt::format("Win32 error {}", error)));
        }
    };
    DWORD error = 0;
    auto tcp4 = win::extended_tcp_table(AF_INET, TCP_TABLE_OWNER_PID_ALL, error);
    failed("GetExtendedTcpTable ipv4", error);
    auto tcp6 = win::extended_tcp_table(AF_INET6, TCP_TABLE_OWNER_PID_ALL, error);
    failed("GetExtendedTcpTable ipv6", error);
    auto udp4 = win::extended_udp_table(AF_INET, UDP_TABLE_OWNER_PID, error);
    failed("GetExtendedUdpTable ipv4", error);
    auto udp6 = win::extended_udp_table(AF_INET6, UDP_TABLE_OWNER_PID, error);
    failed("GetExtendedUdpTable ipv6", error);

    win::each_table_row<MIB_TCPTABLE_OWNER_PID>(tcp4, [&](const MIB_TCPROW_OWNER_PID& r) {
        out.push_back({"tcp", false, win::table_ipv4_text(r.dwLocalAddr),
                       wn::port_from_table(r.dwLocalPort), win::table_ipv4_text(r.dwRemoteAddr),
                       wn::port_from_table(r.dwRemotePort), wn::tcp_state_name(r.dwState), nullptr,
                       nullptr, r.dwOwningPid});
    });
    win::each_table_row<MIB_TCP6TABLE_OWNER_PID>(tcp6, [&](const MIB_TCP6ROW_OWNER_PID& r) {
        out.push_back({"tcp", true, ip::format_ipv6(r.ucLocalAddr),
                       wn::port_from_table(r.dwLocalPort), ip::format_ipv6(r.ucRemoteAddr),
                       wn::port_from_table(r.dwRemotePort), wn::tcp_state_name(r.dwState),
                       r.dwLocalScopeId, r.dwRemoteScopeId, r.dwOwningPid});
    });
    win::each_table_row<MIB_UDPTABLE_OWNER_PID>(udp4, [&](const MIB_UDPROW_OWNER_PID& r) {
        out.push_back({"udp", false, win::table_ipv4_text(r.dwLocalAddr),
                       wn::port_from_table(r.dwLocalPort), nullptr, nullptr, nullptr, nullptr,
                       nullptr, r.dwOwningPid});
    });
    win::each_table_row<MIB_UDP6TABLE_OWNER_PID>(udp6, [&](const MIB_UDP6ROW_OWNER_PID& r) {
        out.push_back({"udp", true, ip::format_ipv6(r.ucLocalAddr),
                       wn::port_from_table(r.dwLocalPort), nullptr, nullptr, nullptr,
                       r.dwLocalScopeId, nullptr, r.dwOwningPid});
    });
    return out;
}

/// pid -> image name from one NtQuerySystemInformation read, right after the tables.
std::map<uint32_t, std::string> process_names(RecordSink& sink) {
    std::map<uint32_t, std::string> out;
    long status = 0;
    auto list = win::nt_process_list(status);
    if (!list) {
        sink.item_error(ItemError::from_ntstatus(
            "read", status, "NtQuerySystemInformation",
            fmt::format("process list: NTSTATUS 0x{:08x}; owners have no name",
                        static_cast<unsigned long>(status))));
        return out;
    }
    for (const auto& p : *list) out[p.pid] = win::to_utf8(p.image_name);
    return out;
}

json record(const Endpoint& e, const std::map<uint32_t, std::string>& names) {
    json owner = {{"pid", e.pid}, {"name", nullptr}};
    if (auto it = names.find(e.pid); it != names.end() && !it->second.empty()) {
        owner["name"] = it->second;
    }
    return {{"protocol", e.protocol},
            {"family", e.ipv6 ? "ipv6" : "ipv4"},
            {"local_address", e.local_address},
            {"local_port", e.local_port},
            {"remote_address", e.remote_address},
            {"remote_port", e.remote_port},
            {"state", e.state},
            {"local_scope_id", e.local_scope_id},
            {"remote_scope_id", e.remote_scope_id},
            {"owners", json::array({owner})}};
}

}  // namespace

void collect_network(const Context& ctx, RecordSink& sink) {
    const auto endpoints = read_endpoints(sink);
    if (ctx.should_stop()) return;
    const auto names = process_names(sink);
    size_t pid_zero = 0, unnamed = 0;
    for (const auto& e : endpoints) {
        if (ctx.should_stop()) return;
        if (e.pid == 0) ++pid_zero;
        if (e.pid != 0 && !names.count(e.pid)) ++unnamed;
        sink.emit(record(e, names));
    }
    if (unnamed) {
        sink.coverage(
            fmt::format("{} socket(s) owned by a pid missing from the process list "
                        "read after the tables (exited in between): owner name null",
                        unnamed));
    }
    if (auto wine = win::wine_version()) {
        sink.coverage(
            fmt::format("running under Wine {}: its socket tables name no owning "
                        "process, so the owner pid is 0 ({} of {} socket(s))",
                        *wine, pid_zero, endpoints.size()));
    }
}

}  // namespace irsnap::collectors
