// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: captured packets (IPv4/IPv6 with their transport headers) and the DNS
// messages inside them. The first two input bytes are the ethertype (big-endian), the rest the
// network-layer bytes; the same rest is also read as a UDP and a TCP DNS payload, and the
// decoded packet's payload as both again.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "fuzz_common.hpp"
#include "irsnap/linux/dns_message.hpp"
#include "irsnap/linux/packet_capture.hpp"

using namespace irsnap::capture;

namespace {

bool parses_as(int family, const std::string& text) {
    unsigned char raw[16];
    return inet_pton(family, text.c_str(), raw) == 1;
}

bool inside(std::string_view part, std::string_view whole) {
    if (part.empty()) return true;
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_dns(const std::optional<DnsMessage>& msg, std::string_view bytes) {
    if (!msg) return;
    FUZZ_CHECK(bytes.size() >= 12);
    FUZZ_CHECK(msg->answers.size() <= k_dns_max_answers);
    FUZZ_CHECK(msg->question.size() <= k_dns_max_name);
    FUZZ_CHECK(msg->question.empty() == msg->question_type.empty());
    for (const auto& a : msg->answers) {
        FUZZ_CHECK(!a.name.empty() && a.name.size() <= k_dns_max_name);
        FUZZ_CHECK(!a.type.empty());
        // Hex of at most 256 bytes, or text no longer than the message that holds it
        // (compressed names expand, but each is bounded by 255).
        FUZZ_CHECK(a.data.size() <= 2 * k_dns_max_hex_rdata + bytes.size() + k_dns_max_name);
    }
}

void check_packet(uint16_t ethertype, std::string_view bytes) {
    const auto info = decode_network_packet(ethertype, bytes);
    if (!info) return;
    FUZZ_CHECK(ethertype == 0x0800 || ethertype == 0x86DD);
    FUZZ_CHECK(info->family == (ethertype == 0x0800 ? AF_INET : AF_INET6));
    FUZZ_CHECK(parses_as(info->family, info->src) && parses_as(info->family, info->dst));
    FUZZ_CHECK(inside(info->payload, bytes));
    if (info->truncated) FUZZ_CHECK(info->ip_total_length > bytes.size());
    const bool ports = info->protocol == IPPROTO_TCP || info->protocol == IPPROTO_UDP;
    if (!ports) FUZZ_CHECK(info->sport == 0 && info->dport == 0);
    if (info->protocol != IPPROTO_TCP) FUZZ_CHECK(info->tcp_flags == 0);
    check_dns(parse_dns_message(info->payload), info->payload);
    const auto tcp = parse_dns_tcp_segment(info->payload);
    if (tcp) check_dns(tcp, info->payload.substr(2));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input = irsnap::fuzz::as_text(data, size);
    if (input.size() < 2) return 0;
    const auto ethertype = static_cast<uint16_t>(data[0] << 8 | data[1]);
    const std::string_view bytes = input.substr(2);
    check_packet(ethertype, bytes);
    check_dns(parse_dns_message(bytes), bytes);
    const auto tcp = parse_dns_tcp_segment(bytes);
    if (tcp) check_dns(tcp, bytes.substr(2));
    // Pure: the same bytes decode the same way at another (odd) address.
    const std::string copy = " " + std::string(bytes);
    const auto a = decode_network_packet(ethertype, bytes);
    const auto b = decode_network_packet(ethertype, std::string_view(copy).substr(1));
    FUZZ_CHECK(a.has_value() == b.has_value());
    if (a) FUZZ_CHECK(a->payload == b->payload && a->dport == b->dport && a->src == b->src);
    return 0;
}
