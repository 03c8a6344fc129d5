// SPDX-License-Identifier: Apache-2.0
// Packet capture for the observe window (issue 21): decoding one IP packet from its network-layer
// bytes, writing packets as pcap (LINKTYPE_LINUX_SLL2, as `tcpdump -i any` writes them), and the
// live AF_PACKET TPACKET_V3 ring that sees every interface of one network namespace.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "irsnap/result.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap::capture {

/// One IP packet decoded from its network-layer bytes. Views point into the decoded bytes.
struct PacketInfo {
    int family = 0;        ///< AF_INET / AF_INET6
    uint8_t protocol = 0;  ///< IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, other;
                           ///< for IPv6 the header after the extension headers walked
    std::string src, dst;  ///< inet_ntop text; an IPv4-mapped IPv6 address stays IPv6 text
    uint16_t sport = 0, dport = 0;  ///< TCP/UDP only, 0 when the header is not there
    uint8_t tcp_flags = 0;          ///< TCP only (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 ...)
    uint8_t icmp_type = 0, icmp_code = 0;  ///< ICMP / ICMPv6 only
    /// From the IP header: the packet's length on the wire at L3 (IPv6: 40 + payload length).
    /// 0 for an IPv4 total length of 0 / an IPv6 jumbogram (GSO/BIG TCP): the bytes then end it.
    uint32_t ip_total_length = 0;
    /// Transport payload inside the captured bytes (may be cut short): after the TCP/UDP header,
    /// after ICMP's 8-byte header (an error's quoted packet), the fragment's data for a
    /// non-first fragment, the whole transport bytes for another protocol. Never past the end
    /// the IP header gives (Ethernet padding is not payload).
    std::string_view payload;
    bool truncated = false;  ///< the captured bytes end before the IP total length says
    /// Part of a fragmented datagram (more-fragments set or offset != 0). Only the first
    /// fragment (offset 0) carries the transport header: a later one has no ports.
    bool fragment = false;
};

/// Decodes the packet at `bytes`, which start at the network header (AF_PACKET SOCK_DGRAM gives
/// exactly that). `ethertype` in host order: 0x0800 IPv4, 0x86DD IPv6. nullopt for another
/// ethertype, an IP version that does not match it, or an IP header (IPv4 with its options)
/// that is not whole. A transport header cut short or inconsistent leaves the ports at 0.
/// IPv6 extension headers (hop-by-hop, routing, fragment, destination options, AH) are walked,
/// at most 8 of them.
std::optional<PacketInfo> decode_network_packet(uint16_t ethertype, std::string_view bytes);

/// Where a packet came from, as the ring's sockaddr_ll tells it (all in host order).
struct PacketMeta {
    int64_t unix_ns = 0;    ///< capture time, CLOCK_REALTIME
    uint32_t ifindex = 0;   ///< interface index in the captured namespace
    uint16_t protocol = 0;  ///< ethertype, host order
    uint16_t hatype = 0;    ///< ARPHRD_* of the interface (ARPHRD_LOOPBACK, ARPHRD_ETHER ...)
    uint8_t pkttype = 0;    ///< PACKET_HOST, PACKET_OUTGOING ...
    uint8_t halen = 0;      ///< link-layer address length as the kernel gave it (may exceed 8)
    std::array<uint8_t, 8> addr{};  ///< the first 8 bytes of the link-layer source address
};

/// pcap link type of the records pcap_record writes: Linux cooked capture v2.
inline constexpr uint32_t k_linktype_linux_sll2 = 276;
/// Bytes of the SLL2 header in front of each record's network bytes.
inline constexpr uint32_t k_sll2_header_size = 20;

/// The 24-byte pcap file header: nanosecond magic 0xa1b23c4d, version 2.4, LINKTYPE_LINUX_SLL2,
/// little-endian whatever the host. `snaplen` is the network-layer byte cap given to
/// pcap_record; the header's snaplen field adds the 20 SLL2 bytes, as libpcap counts it.
std::string pcap_file_header(uint32_t snaplen);

/// One pcap record: the 16-byte record header (little-endian), the 20-byte SLL2 header
/// (big-endian fields: protocol, reserved 0, interface index, ARPHRD type; packet type, address
/// length, 8 address bytes) and the first `snaplen` bytes of `network_bytes`. `wire_len` is the
/// packet's network-layer length on the wire; the record's original length is 20 + wire_len
/// (never below what it holds).
std::string pcap_record(const PacketMeta& meta, std::string_view network_bytes, uint32_t wire_len,
                        uint32_t snaplen);

/// One packet as the ring holds it. `bytes` points into the ring: valid only during the
/// drain() callback that receives it.
struct CapturedPacket {
    PacketMeta meta;
    uint32_t wire_len = 0;   ///< network-layer length on the wire
    std::string_view bytes;  ///< network layer, at most the ring's capture_bytes
};

/// Every packet of one network namespace, all interfaces, both directions, through an AF_PACKET
/// SOCK_DGRAM ETH_P_ALL socket with an mmap'd TPACKET_V3 receive ring. Never sets promiscuous
/// mode (that changes the host): it sees what the namespace's interfaces receive and send.
/// Move-only; unmaps the ring and closes the socket when destroyed.
class PacketRing {
  public:
    /// Opens the ring. `netns_fd`: an open /proc/PID/ns/net, or -1 for irsnap's own namespace.
    /// `capture_bytes`: network-layer bytes kept of each packet (a socket filter returning that
    /// many truncates; e.g. 1600 keeps DNS whole). `ring_bytes`: total ring size (e.g. 4 MiB),
    /// cut into blocks (power-of-two pages, at most 1 MiB, at least two of them) the kernel
    /// hands over when full or after a 50 ms retire timeout.
    /// Privileges: CAP_NET_RAW (EPERM otherwise), CAP_SYS_ADMIN for another namespace.
    static Result<PacketRing> open(int netns_fd, uint32_t capture_bytes, size_t ring_bytes);

    PacketRing(PacketRing&& other) noexcept;
    PacketRing& operator=(PacketRing&& other) noexcept;
    PacketRing(const PacketRing&) = delete;
    PacketRing& operator=(const PacketRing&) = delete;
    ~PacketRing();

    /// For poll(): POLLIN when a block is ready to drain.
    int fd() const { return m_fd.get(); }

    /// Hands every packet of every block the kernel has retired to `take`, in ring order, and
    /// returns each block to the kernel after. At most one pass over the ring per call, so a
    /// busy link cannot keep the caller here. Returns the number of packets handed over.
    size_t drain(const std::function<void(const CapturedPacket&)>& take);

    struct Stats {
        uint64_t packets = 0;  ///< seen by the socket, dropped ones included (the kernel's count)
        uint64_t drops = 0;    ///< lost because the ring was full
    };
    /// PACKET_STATISTICS, accumulated across calls (the kernel resets its counters on each read).
    Stats stats();

  private:
    PacketRing() = default;
    void release() noexcept;

    UniqueFd m_fd;
    uint8_t* m_map = nullptr;
    size_t m_map_len = 0;
    size_t m_block_size = 0;
    size_t m_block_count = 0;
    size_t m_next_block = 0;
    Stats m_stats;
};

}  // namespace irsnap::capture
