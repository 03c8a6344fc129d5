// SPDX-License-Identifier: Apache-2.0
#include "irsnap/windows/net_tables.hpp"

#include <cstring>

#include "irsnap/ip_text.hpp"
#include "irsnap/windows/win_net_format.hpp"
#include "irsnap/windows/win_text.hpp"

namespace irsnap::win {
namespace {

constexpr int k_attempts = 5;

/// Calls `fn(buffer, &size)` until it stops asking for more room; the table may grow between
/// the call that gives the size and the one that reads, so each retry adds some slack. Starts
/// from the buffer's own size, so a caller that keeps the buffer reads again without growing it.
template <typename Fn>
DWORD sized_read_into(std::vector<unsigned char>& buffer, Fn fn, DWORD too_small) {
    ULONG size = static_cast<ULONG>(std::max<size_t>(buffer.size(), 16 * 1024));
    DWORD error = ERROR_SUCCESS;
    for (int attempt = 0; attempt < k_attempts; ++attempt) {
        buffer.resize(size);
        ULONG wanted = size;
        error = fn(buffer.data(), &wanted);
        if (error == ERROR_SUCCESS) return error;
        if (error != too_small) break;
        size = std::max<ULONG>(wanted, size) + size / 4 + 4096;
    }
    return error;
}

template <typename Fn>
std::vector<unsigned char> sized_read(Fn fn, DWORD too_small, DWORD& error) {
    std::vector<unsigned char> buffer;
    error = sized_read_into(buffer, fn, too_small);
    if (error != ERROR_SUCCESS) buffer.clear();
    return buffer;
}

}  // namespace

std::vector<unsigned char> extended_tcp_table(ULONG family, TCP_TABLE_CLASS table, DWORD& error) {
    return sized_read(
        [&](unsigned char* data, ULONG* size) {
            return GetExtendedTcpTable(data, size, FALSE, family, table, 0);
        },
        ERROR_INSUFFICIENT_BUFFER, error);
}

std::vector<unsigned char> extended_udp_table(ULONG family, UDP_TABLE_CLASS table, DWORD& error) {
    return sized_read(
        [&](unsigned char* data, ULONG* size) {
            return GetExtendedUdpTable(data, size, FALSE, family, table, 0);
        },
        ERROR_INSUFFICIENT_BUFFER, error);
}

DWORD extended_tcp_table_into(std::vector<unsigned char>& buffer, ULONG family,
                              TCP_TABLE_CLASS table) {
    return sized_read_into(
        buffer,
        [&](unsigned char* data, ULONG* size) {
            return GetExtendedTcpTable(data, size, FALSE, family, table, 0);
        },
        ERROR_INSUFFICIENT_BUFFER);
}

DWORD extended_udp_table_into(std::vector<unsigned char>& buffer, ULONG family,
                              UDP_TABLE_CLASS table) {
    return sized_read_into(
        buffer,
        [&](unsigned char* data, ULONG* size) {
            return GetExtendedUdpTable(data, size, FALSE, family, table, 0);
        },
        ERROR_INSUFFICIENT_BUFFER);
}

std::vector<unsigned char> adapter_addresses(ULONG family, ULONG flags, DWORD& error) {
    auto buffer = sized_read(
        [&](unsigned char* data, ULONG* size) {
            return GetAdaptersAddresses(family, flags, nullptr,
                                        reinterpret_cast<IP_ADAPTER_ADDRESSES*>(data), size);
        },
        ERROR_BUFFER_OVERFLOW, error);
    if (error == ERROR_NO_DATA) error = ERROR_SUCCESS;  // no adapters: an empty list
    return buffer;
}

std::map<uint32_t, std::string> interface_aliases() {
    std::map<uint32_t, std::string> out;
    DWORD error = 0;
    const auto buffer = adapter_addresses(
        AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER,
        error);
    for (auto* a = first_adapter(buffer); a; a = a->Next) {
        const std::string name = a->FriendlyName ? to_utf8(a->FriendlyName) : a->AdapterName;
        if (a->IfIndex) out[a->IfIndex] = name;
        if (a->Ipv6IfIndex) out[a->Ipv6IfIndex] = name;
    }
    return out;
}

AddressText address_text(const SOCKADDR* sa) {
    AddressText out;
    if (!sa) return out;
    if (sa->sa_family == AF_INET) {
        std::memcpy(out.bytes, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
        out.text = ip::format_ipv4(out.bytes);
    } else if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        out.ipv6 = true;
        std::memcpy(out.bytes, &in6->sin6_addr, 16);
        out.scope_id = in6->sin6_scope_id;
        out.text = ip::format_ipv6(out.bytes);
    }
    return out;
}

std::string AddressText::with_scope() const {
    return ipv6 ? collectors::win_net::ipv6_with_scope(bytes, scope_id) : text;
}

std::string table_ipv4_text(DWORD address) {
    uint8_t bytes[4];
    std::memcpy(bytes, &address, 4);  // network order in memory
    return ip::format_ipv4(bytes);
}

}  // namespace irsnap::win
