// SPDX-License-Identifier: Apache-2.0
// Names for the numbers the Windows IP Helper tables hold (MIB_TCP_STATE, NL_NEIGHBOR_STATE,
// NL_ROUTE_PROTOCOL, NL_ROUTE_ORIGIN, IF_OPER_STATUS, IFTYPE, DNS record types) and the byte
// layouts they use. Pure, so they are unit-tested on Linux; the constants are the documented
// values, spelled out here because this file must not include windows.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace irsnap::collectors::win_net {

/// MIB_TCP_STATE (1 CLOSED ... 12 DELETE_TCB) as the Linux collector names the same states
/// (CLOSE, LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED ...); DELETE_TCB has no Linux twin.
/// "UNKNOWN_<n>" otherwise.
std::string tcp_state_name(uint32_t mib_state);

/// The port of a MIB_*ROW dwLocalPort / dwRemotePort: network byte order in the low 16 bits
/// of a DWORD, read as a little-endian integer.
constexpr uint16_t port_from_table(uint32_t dw_port) {
    return static_cast<uint16_t>((dw_port & 0xff) << 8 | (dw_port >> 8 & 0xff));
}

/// An IPv6 address with its scope id appended the Windows way ("fe80::1%12") when the id is not
/// 0 and the address is link-local (fe80::/10) or site-local (fec0::/10); other addresses carry
/// no zone, whatever the table says.
std::string ipv6_with_scope(const uint8_t* bytes, uint32_t scope_id);

/// Scope of an address, derived from the address itself (Windows keeps no kernel scope as
/// Linux does): host (loopback), link (169.254/16, fe80::/10), site (fec0::/10), global.
std::string address_scope(bool ipv6, const uint8_t* bytes);

/// True for 0.0.0.0 / :: (a next hop "on link", an unconnected peer).
bool is_unspecified(bool ipv6, const uint8_t* bytes);

/// Lowercase colon hex, e.g. 00:15:5d:01:02:03; nullopt for a zero-length address.
std::optional<std::string> format_mac(const uint8_t* bytes, size_t length);

/// NL_NEIGHBOR_STATE: UNREACHABLE, INCOMPLETE, PROBE, DELAY, STALE, REACHABLE, PERMANENT.
std::string neighbor_state_name(uint32_t state);

/// NL_ROUTE_PROTOCOL / MIB_IPPROTO_*: other, local, netmgmt, icmp, ..., dhcp, nt_autostatic,
/// nt_static, nt_static_non_dod; the number as text otherwise.
std::string route_protocol_name(uint32_t protocol);

/// NL_ROUTE_ORIGIN: manual, well_known, dhcp, router_advertisement, 6to4.
std::string route_origin_name(uint32_t origin);

/// IF_OPER_STATUS (RFC 2863, the names the Linux collector uses): UP, DOWN, TESTING, UNKNOWN,
/// DORMANT, NOTPRESENT, LOWERLAYERDOWN.
std::string oper_status_name(uint32_t status);

/// IANA ifType of common adapters: ethernet, loopback, wireless, tunnel, ppp ...; the number
/// as text otherwise.
std::string if_type_name(uint32_t if_type);

/// DNS record type (RFC 1035 and later): A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV ...;
/// "TYPE<n>" otherwise (RFC 3597's notation).
std::string dns_type_name(uint16_t type);

}  // namespace irsnap::collectors::win_net
