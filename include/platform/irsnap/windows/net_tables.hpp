// SPDX-License-Identifier: Apache-2.0
// Reading the IP Helper tables: the sizing loops they all need (a table can grow between the
// size query and the read) and the conversions from their address structures.
#pragma once

#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <iphlpapi.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace irsnap::win {

/// GetExtendedTcpTable / GetExtendedUdpTable into a buffer; `error` is the Win32 error of the
/// last attempt (0 on success). Retries with the size the call asks for while the table grows.
std::vector<unsigned char> extended_tcp_table(ULONG family, TCP_TABLE_CLASS table, DWORD& error);
std::vector<unsigned char> extended_udp_table(ULONG family, UDP_TABLE_CLASS table, DWORD& error);
/// The same into a buffer the caller keeps between reads (a poll every 100 ms): it only grows.
/// Returns the Win32 error (0 on success); the buffer's contents are valid only on success.
DWORD extended_tcp_table_into(std::vector<unsigned char>& buffer, ULONG family,
                              TCP_TABLE_CLASS table);
DWORD extended_udp_table_into(std::vector<unsigned char>& buffer, ULONG family,
                              UDP_TABLE_CLASS table);

/// GetAdaptersAddresses into a buffer (the first IP_ADAPTER_ADDRESSES is at its start, or the
/// buffer is empty when there are none or on error).
std::vector<unsigned char> adapter_addresses(ULONG family, ULONG flags, DWORD& error);

inline const IP_ADAPTER_ADDRESSES* first_adapter(const std::vector<unsigned char>& buffer) {
    return buffer.empty() ? nullptr : reinterpret_cast<const IP_ADAPTER_ADDRESSES*>(buffer.data());
}

/// Interface index (IPv4 and IPv6 index) -> friendly name ("Ethernet"), from one
/// GetAdaptersAddresses call; empty when it fails.
std::map<uint32_t, std::string> interface_aliases();

/// An address from a SOCKADDR / SOCKADDR_INET: its family, bytes and text (empty for a family
/// other than IPv4 and IPv6).
struct AddressText {
    bool ipv6 = false;
    std::string text;  ///< without a zone, as the Linux collectors print addresses
    uint32_t scope_id = 0;
    uint8_t bytes[16] = {};
    /// With "%scope" for IPv6 link- and site-local addresses: a DNS server or gateway fe80::1
    /// means nothing without the interface it is reached through.
    std::string with_scope() const;
};
AddressText address_text(const SOCKADDR* address);
inline AddressText address_text(const SOCKADDR_INET& address) {
    return address_text(reinterpret_cast<const SOCKADDR*>(&address));
}

/// An IPv4 address as the owner tables hold it (network order in a DWORD), as text.
std::string table_ipv4_text(DWORD address);

/// Calls `fn` with each row of the owner table `Table` in `buffer`, never past the buffer's end
/// whatever dwNumEntries says.
template <typename Table, typename Fn>
void each_table_row(const std::vector<unsigned char>& buffer, Fn fn) {
    if (buffer.size() < sizeof(DWORD)) return;
    const auto* table = reinterpret_cast<const Table*>(buffer.data());
    const size_t fit = (buffer.size() - offsetof(Table, table)) / sizeof(table->table[0]);
    for (DWORD i = 0; i < table->dwNumEntries && i < fit; ++i) fn(table->table[i]);
}

}  // namespace irsnap::win
