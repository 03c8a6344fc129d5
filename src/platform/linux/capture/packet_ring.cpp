// SPDX-License-Identifier: Apache-2.0
// The live half of packet capture: an AF_PACKET socket with an mmap'd TPACKET_V3 ring. The
// kernel fills whole blocks and hands each over (TP_STATUS_USER) when full or after the retire
// timeout, so a quiet link still delivers within ~50 ms and a busy one costs one poll per block.
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "irsnap/linux/netns.hpp"
#include "irsnap/linux/packet_capture.hpp"

namespace irsnap::capture {
namespace {

constexpr unsigned k_retire_timeout_ms = 50;
// Blocks of at most 1 MiB: small enough that a quiet ring still has several to rotate through.
constexpr size_t k_max_block_size = size_t{1} << 20;
constexpr const char* k_what = "AF_PACKET ring";

ItemError ring_error(const char* stage, int err, std::string message) {
    return ItemError::from_errno(stage, err, k_what, std::move(message));
}

/// The largest power-of-two multiple of the page size not above `limit` (at least one page).
size_t block_size_for(size_t ring_bytes, size_t frame_size) {
    const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t block = page;
    while (block * 2 <= std::min(ring_bytes, k_max_block_size) || block < frame_size) block *= 2;
    return block;
}

/// A classic BPF program of one instruction, "accept the first `bytes` bytes": the kernel
/// truncates each packet to the filter's result, which is how a TPACKET_V3 ring gets a snap
/// length (its frame size does not cut packets).
bool set_capture_length(int fd, uint32_t bytes) {
    sock_filter accept = BPF_STMT(BPF_RET | BPF_K, bytes);
    sock_fprog program{};
    program.len = 1;
    program.filter = &accept;
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

}  // namespace

Result<PacketRing> PacketRing::open(int netns_fd, uint32_t capture_bytes, size_t ring_bytes) {
    if (capture_bytes == 0 || ring_bytes == 0) return ring_error("open", EINVAL, "zero size");
    // Protocol 0 receives nothing until bind(): no packet lands in the socket's queue before the
    // ring and the length filter are in place.
    auto sock = netns::socket_in(netns_fd, AF_PACKET, SOCK_DGRAM, 0);
    if (!sock) return sock.error();
    const int fd = sock->get();

    const int version = TPACKET_V3;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) {
        return ring_error("setsockopt", errno, "PACKET_VERSION TPACKET_V3");
    }
    if (!set_capture_length(fd, capture_bytes)) {
        return ring_error("setsockopt", errno, "SO_ATTACH_FILTER (capture length)");
    }
    // Frames in V3 are variable; tp_frame_size only has to divide the block consistently.
    const size_t frame_size = TPACKET_ALIGN(TPACKET3_HDRLEN + static_cast<size_t>(capture_bytes));
    const size_t block_size = block_size_for(ring_bytes, frame_size);
    const size_t block_count = std::max<size_t>(2, ring_bytes / block_size);
    tpacket_req3 req{};
    req.tp_block_size = static_cast<unsigned>(block_size);
    req.tp_block_nr = static_cast<unsigned>(block_count);
    req.tp_frame_size = static_cast<unsigned>(frame_size);
    req.tp_frame_nr = static_cast<unsigned>((block_size / frame_size) * block_count);
    req.tp_retire_blk_tov = k_retire_timeout_ms;
    req.tp_sizeof_priv = 0;
    req.tp_feature_req_word = 0;
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) {
        return ring_error("setsockopt", errno, "PACKET_RX_RING");
    }
    const size_t map_len = block_size * block_count;
    void* map = mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return ring_error("mmap", errno, "ring of " + std::to_string(map_len));

    PacketRing ring;
    ring.m_fd = std::move(*sock);
    ring.m_map = static_cast<uint8_t*>(map);
    ring.m_map_len = map_len;
    ring.m_block_size = block_size;
    ring.m_block_count = block_count;

    // Every interface (ifindex 0), every protocol; no PACKET_ADD_MEMBERSHIP: never promiscuous.
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = 0;
    if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        return ring_error("bind", errno, "ETH_P_ALL");
    }
    return ring;
}

PacketRing::PacketRing(PacketRing&& other) noexcept
    : m_fd(std::move(other.m_fd)),
      m_map(std::exchange(other.m_map, nullptr)),
      m_map_len(std::exchange(other.m_map_len, 0)),
      m_block_size(other.m_block_size),
      m_block_count(other.m_block_count),
      m_next_block(other.m_next_block),
      m_stats(other.m_stats) {}

PacketRing& PacketRing::operator=(PacketRing&& other) noexcept {
    if (this != &other) {
        release();
        m_fd = std::move(other.m_fd);
        m_map = std::exchange(other.m_map, nullptr);
        m_map_len = std::exchange(other.m_map_len, 0);
        m_block_size = other.m_block_size;
        m_block_count = other.m_block_count;
        m_next_block = other.m_next_block;
        m_stats = other.m_stats;
    }
    return *this;
}

PacketRing::~PacketRing() {
    release();
}

void PacketRing::release() noexcept {
    if (m_map) munmap(m_map, m_map_len);
    m_map = nullptr;
    m_map_len = 0;
    m_fd.reset();
}

size_t PacketRing::drain(const std::function<void(const CapturedPacket&)>& take) {
    size_t handed = 0;
    for (size_t pass = 0; m_map && pass < m_block_count; ++pass) {
        uint8_t* block = m_map + m_next_block * m_block_size;
        auto* desc = reinterpret_cast<tpacket_block_desc*>(block);
        // Acquire: the packets the kernel wrote are visible once the status says they are ours.
        if ((__atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) ==
            0) {
            break;
        }
        // The block goes back to the kernel even when `take` throws: a block left ours would
        // stall the ring for good (the kernel fills blocks strictly in order).
        struct GiveBack {
            tpacket_block_desc* desc;
            ~GiveBack() {
                __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
            }
        } give_back{desc};
        m_next_block = (m_next_block + 1) % m_block_count;
        size_t offset = desc->hdr.bh1.offset_to_first_pkt;
        for (uint32_t i = 0; i < desc->hdr.bh1.num_pkts; ++i) {
            // The kernel writes these offsets; checked anyway so a bad one cannot leave the block.
            if (offset + sizeof(tpacket3_hdr) > m_block_size) break;
            const auto* hdr = reinterpret_cast<const tpacket3_hdr*>(block + offset);
            const size_t ll_at = offset + TPACKET_ALIGN(sizeof(tpacket3_hdr));
            if (ll_at + sizeof(sockaddr_ll) > m_block_size ||
                offset + hdr->tp_net + hdr->tp_snaplen > m_block_size) {
                break;
            }
            const auto* ll = reinterpret_cast<const sockaddr_ll*>(block + ll_at);
            CapturedPacket packet;
            packet.meta.unix_ns = static_cast<int64_t>(hdr->tp_sec) * 1'000'000'000 +
                                  static_cast<int64_t>(hdr->tp_nsec);
            packet.meta.ifindex = static_cast<uint32_t>(ll->sll_ifindex);
            packet.meta.protocol = ntohs(ll->sll_protocol);
            packet.meta.hatype = ll->sll_hatype;
            packet.meta.pkttype = ll->sll_pkttype;
            packet.meta.halen = ll->sll_halen;
            std::memcpy(packet.meta.addr.data(), ll->sll_addr, packet.meta.addr.size());
            packet.wire_len = hdr->tp_len;
            // SOCK_DGRAM: the bytes start at the network header (tp_net).
            packet.bytes = {reinterpret_cast<const char*>(block + offset + hdr->tp_net),
                            hdr->tp_snaplen};
            take(packet);
            ++handed;
            if (hdr->tp_next_offset == 0) break;
            offset += hdr->tp_next_offset;
        }
    }
    return handed;
}

PacketRing::Stats PacketRing::stats() {
    tpacket_stats_v3 now{};
    socklen_t len = sizeof now;
    if (m_fd && getsockopt(m_fd.get(), SOL_PACKET, PACKET_STATISTICS, &now, &len) == 0) {
        m_stats.packets += now.tp_packets;
        m_stats.drops += now.tp_drops;
    }
    return m_stats;
}

}  // namespace irsnap::capture
