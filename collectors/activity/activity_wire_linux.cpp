// SPDX-License-Identifier: Apache-2.0
// The wire during the window (activity_linux.hpp): one AF_PACKET ring per network namespace,
// never in promiscuous mode. Every packet's first --capture-snaplen bytes go into one pcap
// file (as `tcpdump -i any` writes them) within --max-capture-bytes; TCP and UDP packets are
// summed into flows, whose local endpoint is then looked up in every socket view of the
// window; port 53 is decoded as DNS and held back a moment so its owner, which the BPF or
// sock_diag events may report just after the packet, can be named.
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

#include <deque>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activity_linux.hpp"
#include "irsnap/artifact_writer.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/linux/dns_message.hpp"
#include "irsnap/linux/packet_capture.hpp"
#include "netstate/netstate_common.hpp"

namespace irsnap::collectors::activity {
namespace {

constexpr size_t k_max_flows = 65536;
constexpr size_t k_max_pending_dns = 4096;
constexpr int64_t k_dns_hold_ns = 300'000'000;
/// Bytes of each packet the ring keeps: whole DNS messages over UDP fit; the pcap keeps less.
constexpr uint32_t k_ring_capture_bytes = 2048;
constexpr size_t k_ring_bytes = 4u << 20;

struct FlowKey {
    uint64_t netns = 0;
    Endpoints ends;
    bool operator<(const FlowKey& o) const {
        return netns != o.netns ? netns < o.netns : ends < o.ends;
    }
};

struct HeldDns {
    DnsEvent event;
    uint16_t client_port = 0;
    bool client_local = false;
    Endpoints ends;  ///< TCP: the client's connection, for its owner
    int64_t release_ns = 0;
};

std::string rcode_name(uint8_t rcode) {
    static const char* const k_names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                          "NXDOMAIN", "NOTIMP",  "REFUSED"};
    return rcode < 6 ? k_names[rcode] : fmt::format("RCODE{}", rcode);
}

}  // namespace

struct WireWatcher::Impl : WindowParts {
    explicit Impl(const WindowParts& parts) : WindowParts(parts) {}
    struct Ring {
        uint64_t netns;
        capture::PacketRing ring;
    };
    std::vector<Ring> rings;
    std::map<int32_t, std::string> interface_names;
    std::set<std::string> interfaces_seen;
    std::map<FlowKey, Flow> flows;
    uint64_t flows_not_kept = 0;
    std::deque<HeldDns> dns;
    // The pcap: a directory's file is written as packets come; a stream must announce the
    // size first, so it is held (at most --max-capture-bytes) and sent at the end.
    ArtifactWriter* file = nullptr;
    std::string held;
    uint64_t pcap_bytes = 0;
    uint64_t packets = 0, packets_written = 0;
    bool budget_reached = false;

    std::string interface_name(uint64_t netns, int32_t ifindex) {
        if (rings.empty() || netns == rings.front().netns) {
            auto it = interface_names.find(ifindex);
            if (it != interface_names.end()) return it->second;
        }
        return fmt::format("if{}@{}", ifindex, netns);
    }

    void write_pcap(std::string_view bytes) {
        if (ctx.params.max_capture_bytes == 0) return;
        if (pcap_bytes + bytes.size() > ctx.params.max_capture_bytes) {
            budget_reached = true;
            return;
        }
        pcap_bytes += bytes.size();
        if (file) {
            file->write(bytes);
        } else {
            held.append(bytes);
        }
    }

    void take(uint64_t netns, const capture::CapturedPacket& p) {
        ++packets;
        if (!budget_reached) {
            std::string record =
                capture::pcap_record(p.meta, p.bytes, p.wire_len, ctx.params.capture_snaplen);
            write_pcap(record);
            if (!budget_reached) ++packets_written;
        }
        const bool outbound = p.meta.pkttype == PACKET_OUTGOING;
        const bool inbound = p.meta.pkttype == PACKET_HOST;
        if (!outbound && !inbound) return;  // broadcast, multicast, another host's
        auto info = capture::decode_network_packet(p.meta.protocol, p.bytes);
        if (!info || (info->protocol != IPPROTO_TCP && info->protocol != IPPROTO_UDP)) return;
        const Stamp at = clock.from_unix(p.meta.unix_ns);
        const std::string proto = info->protocol == IPPROTO_TCP ? "tcp" : "udp";
        const std::string ifname = interface_name(netns, static_cast<int32_t>(p.meta.ifindex));
        interfaces_seen.insert(ifname);
        Endpoints ends = outbound ? Endpoints{proto,     family_text(info->family),
                                              info->src, info->sport,
                                              info->dst, info->dport}
                                  : Endpoints{proto,     family_text(info->family),
                                              info->dst, info->dport,
                                              info->src, info->sport};
        add_to_flow(netns, ends, outbound, *info, p.wire_len, at, ifname);
        if (info->sport == 53 || info->dport == 53) {
            // Loopback shows each packet twice, sent and received: decode it once.
            if (!(outbound && p.meta.hatype == ARPHRD_LOOPBACK)) {
                take_dns(netns, *info, outbound, proto, at, ifname,
                         p.meta.hatype == ARPHRD_LOOPBACK);
            }
        }
    }

    void add_to_flow(uint64_t netns, const Endpoints& ends, bool outbound,
                     const capture::PacketInfo& info, uint32_t wire_len, const Stamp& at,
                     const std::string& ifname) {
        FlowKey key{netns, ends};
        auto it = flows.find(key);
        if (it == flows.end()) {
            if (flows.size() >= k_max_flows) {
                ++flows_not_kept;
                return;
            }
            Flow f;
            f.ends = ends;
            f.direction = outbound ? "outbound" : "inbound";
            f.first = at;
            f.interface = ifname;
            f.netns = netns;
            it = flows.emplace(key, std::move(f)).first;
        }
        Flow& f = it->second;
        f.last = at;
        (outbound ? f.packets_out : f.packets_in) += 1;
        // A GSO super-packet's IP length is 0: its captured length stands in.
        (outbound ? f.bytes_out : f.bytes_in) +=
            info.ip_total_length ? info.ip_total_length : wire_len;
        f.tcp_flags |= info.tcp_flags;
    }

    void take_dns(uint64_t netns, const capture::PacketInfo& info, bool outbound,
                  const std::string& proto, const Stamp& at, const std::string& ifname,
                  bool loopback) {
        auto msg = proto == "udp" ? capture::parse_dns_message(info.payload)
                                  : capture::parse_dns_tcp_segment(info.payload);
        if (!msg || dns.size() >= k_max_pending_dns) return;
        HeldDns h;
        DnsEvent& e = h.event;
        e.event = msg->response ? "answer" : "query";
        e.source = "wire";
        e.at = at;
        e.protocol = proto;
        e.query = msg->question;
        e.query_type = msg->question_type;
        if (msg->response) e.response_code = rcode_name(msg->rcode);
        for (const auto& a : msg->answers) e.answers.push_back({a.name, a.type, a.data, a.ttl});
        e.transaction_id = msg->id;
        const bool to_server = info.dport == 53;
        e.client_address = to_server ? info.src : info.dst;
        e.client_port = to_server ? info.sport : info.dport;
        e.server_address = to_server ? info.dst : info.src;
        e.interface = ifname;
        e.netns = netns;
        h.client_port = *e.client_port;
        h.client_local = loopback || (to_server ? outbound : !outbound);
        h.ends = {proto,          family_text(info.family), e.client_address,
                  *e.client_port, e.server_address,         53};
        h.release_ns = at.monotonic_ns + k_dns_hold_ns;
        dns.push_back(std::move(h));
    }

    void release_dns(bool all) {
        const int64_t now = clock.now().monotonic_ns;
        while (!dns.empty() && (all || dns.front().release_ns <= now)) {
            HeldDns& h = dns.front();
            if (h.client_local) {
                h.event.pid = h.event.protocol == "udp" ? owners.udp_owner(h.client_port)
                                                        : owners.tcp_owner(h.ends);
                if (h.event.pid) h.event.process = owners.name(*h.event.pid).process;
            }
            recorder.dns(h.event);
            dns.pop_front();
        }
    }
};

WireWatcher::WireWatcher(const Context& ctx, ActivityRecorder& recorder, Owners& owners,
                         EndpointViews& views, const WindowClock& clock, RecordSink& sink)
    : m(std::make_unique<Impl>(WindowParts{ctx, recorder, owners, views, clock, sink})) {}

WireWatcher::~WireWatcher() = default;

bool WireWatcher::open(const std::vector<std::pair<uint64_t, int>>& namespaces) {
    for (const auto& [inode, fd] : namespaces) {
        auto ring = capture::PacketRing::open(fd, k_ring_capture_bytes, k_ring_bytes);
        if (!ring) {
            auto e = ring.error();
            e.path = fmt::format("netns {}", inode);
            m->sink.item_error(e);
            continue;
        }
        m->rings.push_back({inode, std::move(*ring)});
    }
    if (m->rings.empty()) {
        m->sink.coverage(
            "no packet capture: no AF_PACKET socket could be opened (root "
            "needed): no pcap, no DNS, no flows");
        return false;
    }
    m->interface_names = netstate::interface_names(m->sink);
    if (m->ctx.params.max_capture_bytes > 0) {
        if (!m->ctx.stream_output) m->file = m->sink.attachment("pcap", 0);
        m->write_pcap(capture::pcap_file_header(m->ctx.params.capture_snaplen));
    }
    return true;
}

std::vector<int> WireWatcher::fds() const {
    std::vector<int> out;
    for (const auto& r : m->rings) out.push_back(r.ring.fd());
    return out;
}

void WireWatcher::drain(size_t ring) {
    auto& r = m->rings.at(ring);
    r.ring.drain([&](const capture::CapturedPacket& p) { m->take(r.netns, p); });
}

void WireWatcher::tick(bool all) {
    m->release_dns(all);
}

void WireWatcher::finish() {
    for (size_t i = 0; i < m->rings.size(); ++i) drain(i);
    m->release_dns(true);
    for (auto& [key, f] : m->flows) {
        f.socket_views = m->views.views(key.netns, f.ends.protocol, f.ends.local_port);
        f.socket_seen = !f.socket_views.empty();
        f.pid = f.ends.protocol == "tcp" ? m->owners.tcp_owner(f.ends)
                                         : m->owners.udp_owner(f.ends.local_port);
        if (f.pid) f.process = m->owners.name(*f.pid).process;
        m->recorder.flow(f);
    }
    if (m->flows_not_kept) {
        m->sink.coverage(fmt::format("{} flows beyond the first {} were not recorded",
                                     m->flows_not_kept, k_max_flows));
    }
    if (m->rings.empty()) return;
    uint64_t dropped = 0;
    for (auto& r : m->rings) dropped += r.ring.stats().drops;
    nlohmann::json c;
    const Stamp now = m->clock.now();
    c["time"] = format_rfc3339_utc(now.unix_ns);
    c["monotonic_ns"] = now.monotonic_ns;
    c["source"] = "wire";
    c["format"] = "pcap (nanosecond, LINKTYPE_LINUX_SLL2)";
    c["snaplen"] = m->ctx.params.capture_snaplen;
    c["packets"] = m->packets;
    c["packets_written"] = m->packets_written;
    c["packets_dropped"] = dropped;
    c["budget_reached"] = m->budget_reached;
    c["interfaces"] =
        std::vector<std::string>(m->interfaces_seen.begin(), m->interfaces_seen.end());
    if (m->ctx.params.max_capture_bytes > 0) {
        ArtifactWriter* out = m->file;
        if (!out) {
            out = m->sink.attachment("pcap", m->held.size());
            if (out) out->write(m->held);
            m->held.clear();
            m->held.shrink_to_fit();
        }
        if (out) c["attachment"] = out->name();
    }
    if (m->budget_reached) {
        m->sink.coverage(
            fmt::format("packet capture stopped at --max-capture-bytes ({} bytes); "
                        "later packets were counted and decoded, not written",
                        m->ctx.params.max_capture_bytes));
    }
    if (dropped) {
        m->sink.coverage(fmt::format("the kernel dropped {} packets (capture ring full)", dropped));
    }
    m->recorder.other("capture", std::move(c));
}

}  // namespace irsnap::collectors::activity
