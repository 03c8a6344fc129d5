// SPDX-License-Identifier: Apache-2.0
// pcap with nanosecond timestamps and Linux cooked v2 headers: the layout `tcpdump -i any`
// writes, so one file holds packets of every interface type (loopback, Ethernet, tun).
#include <algorithm>
#include <limits>

#include "irsnap/linux/packet_capture.hpp"
#include "wire_bytes.hpp"

namespace irsnap::capture {
namespace {

constexpr uint32_t k_pcap_magic_nanoseconds = 0xa1b23c4d;
constexpr int64_t k_ns_per_second = 1'000'000'000;

uint32_t plus_sll2(uint32_t network_bytes) {
    const uint32_t room = std::numeric_limits<uint32_t>::max() - k_sll2_header_size;
    return std::min(network_bytes, room) + k_sll2_header_size;
}

}  // namespace

std::string pcap_file_header(uint32_t snaplen) {
    std::string out;
    out.reserve(24);
    // Little-endian spelled out: the file must not depend on the host that writes it.
    wire::put_le32(out, k_pcap_magic_nanoseconds);
    wire::put_le16(out, 2);  // version 2.4
    wire::put_le16(out, 4);
    wire::put_le32(out, 0);  // thiszone: timestamps are UTC
    wire::put_le32(out, 0);  // sigfigs
    wire::put_le32(out, plus_sll2(snaplen));
    wire::put_le32(out, k_linktype_linux_sll2);
    return out;
}

std::string pcap_record(const PacketMeta& meta, std::string_view network_bytes, uint32_t wire_len,
                        uint32_t snaplen) {
    const std::string_view kept = network_bytes.substr(0, snaplen);
    const auto kept_len = static_cast<uint32_t>(kept.size());
    // Floor division: a time before 1970 still has nanoseconds in [0, 1e9).
    int64_t seconds = meta.unix_ns / k_ns_per_second;
    int64_t nanos = meta.unix_ns % k_ns_per_second;
    if (nanos < 0) {
        nanos += k_ns_per_second;
        seconds -= 1;
    }
    std::string out;
    out.reserve(16 + k_sll2_header_size + kept.size());
    // The format's seconds field is 32 bits; it wraps in 2106.
    wire::put_le32(out, static_cast<uint32_t>(seconds));
    wire::put_le32(out, static_cast<uint32_t>(nanos));
    wire::put_le32(out, plus_sll2(kept_len));
    wire::put_le32(out, plus_sll2(std::max(wire_len, kept_len)));

    wire::put_be16(out, meta.protocol);
    wire::put_be16(out, 0);  // reserved, must be zero
    wire::put_be32(out, meta.ifindex);
    wire::put_be16(out, meta.hatype);
    out.push_back(static_cast<char>(meta.pkttype));
    out.push_back(static_cast<char>(meta.halen));
    out.append(reinterpret_cast<const char*>(meta.addr.data()), meta.addr.size());

    out.append(kept);
    return out;
}

}  // namespace irsnap::capture
