// SPDX-License-Identifier: Apache-2.0
// Packet capture for the observe window: IP decoding, DNS messages and pcap records over literal
// bytes, and the live AF_PACKET ring on loopback (root only).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "fixture_util.hpp"
#include "irsnap/linux/dns_message.hpp"
#include "irsnap/linux/packet_capture.hpp"

using irsnap::capture::decode_network_packet;
using irsnap::capture::PacketInfo;
using irsnap::capture::parse_dns_message;
using irsnap::capture::parse_dns_tcp_segment;
using namespace std::string_literals;

namespace {

/// Bytes from hex pairs; spaces and '|' only separate fields for the reader.
std::string capture_test_hex(std::string_view text) {
    std::string out;
    int high = -1;
    for (const char c : text) {
        if (c == ' ' || c == '|' || c == '\n') continue;
        const int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<char>(high << 4 | v));
            high = -1;
        }
    }
    EXPECT_EQ(high, -1) << "odd number of hex digits";
    return out;
}

constexpr uint16_t k_capture_test_ipv4 = 0x0800;
constexpr uint16_t k_capture_test_ipv6 = 0x86DD;

// 10.0.0.1:12345 -> 10.0.0.2:53, UDP, payload "hello" (IP total length 33).
const std::string k_capture_test_udp4 =
    capture_test_hex(
        "45 00 0021 | 0001 0000 | 40 11 0000 | 0a000001 | 0a000002 |"
        "3039 0035 000d 0000") +
    "hello";

}  // namespace

TEST(CapturePacket, Ipv4TcpSynWithEthernetPadding) {
    // 192.168.1.2:50000 -> 93.184.216.34:443 SYN, no options, then 6 bytes of Ethernet padding.
    const std::string bytes = capture_test_hex(
        "45 00 0028 | 1c46 4000 | 40 06 0000 | c0a80102 | 5db8d822 |"
        "c350 01bb | 00000001 | 00000000 | 50 02 faf0 | 0000 0000 |"
        "000000000000");
    const auto info = decode_network_packet(k_capture_test_ipv4, bytes);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->family, AF_INET);
    EXPECT_EQ(info->protocol, IPPROTO_TCP);
    EXPECT_EQ(info->src, "192.168.1.2");
    EXPECT_EQ(info->dst, "93.184.216.34");
    EXPECT_EQ(info->sport, 50000);
    EXPECT_EQ(info->dport, 443);
    EXPECT_EQ(info->tcp_flags, 0x02);
    EXPECT_EQ(info->ip_total_length, 40u);
    EXPECT_TRUE(info->payload.empty()) << "padding is not payload";
    EXPECT_FALSE(info->truncated);
    EXPECT_FALSE(info->fragment);
}

TEST(CapturePacket, Ipv4Udp) {
    const auto info = decode_network_packet(k_capture_test_ipv4, k_capture_test_udp4);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->protocol, IPPROTO_UDP);
    EXPECT_EQ(info->src, "10.0.0.1");
    EXPECT_EQ(info->dst, "10.0.0.2");
    EXPECT_EQ(info->sport, 12345);
    EXPECT_EQ(info->dport, 53);
    EXPECT_EQ(info->payload, "hello");
    EXPECT_EQ(info->ip_total_length, 33u);
    EXPECT_FALSE(info->truncated);
}

TEST(CapturePacket, Ipv4IcmpEcho) {
    const std::string bytes = capture_test_hex(
        "45 00 001e | 0001 0000 | 40 01 0000 | 7f000001 | 7f000001 | 08 00 f7fd 0001 0001 | 6869");
    const auto info = decode_network_packet(k_capture_test_ipv4, bytes);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->protocol, IPPROTO_ICMP);
    EXPECT_EQ(info->icmp_type, 8);
    EXPECT_EQ(info->icmp_code, 0);
    EXPECT_EQ(info->payload, "hi");
    EXPECT_EQ(info->sport, 0);
}

TEST(CapturePacket, Ipv6UdpAfterHopByHop) {
    // 2001:db8::1:54321 -> 2001:db8::2:53; hop-by-hop header (next UDP, PadN 4) before UDP.
    const std::string bytes =
        capture_test_hex(
            "60000000 | 0015 00 40 |"
            "20010db8000000000000000000000001 | 20010db8000000000000000000000002 |"
            "11 00 0104 00000000 |"
            "d431 0035 000d 0000") +
        "hello";
    const auto info = decode_network_packet(k_capture_test_ipv6, bytes);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->family, AF_INET6);
    EXPECT_EQ(info->protocol, IPPROTO_UDP);
    EXPECT_EQ(info->src, "2001:db8::1");
    EXPECT_EQ(info->dst, "2001:db8::2");
    EXPECT_EQ(info->sport, 54321);
    EXPECT_EQ(info->dport, 53);
    EXPECT_EQ(info->payload, "hello");
    EXPECT_EQ(info->ip_total_length, 61u);
    EXPECT_FALSE(info->truncated);
}

TEST(CapturePacket, TruncatedCaptureKeepsPortsAndCutPayload) {
    // The UDP packet above with only "he" of its payload captured.
    const std::string bytes = k_capture_test_udp4.substr(0, 30);
    const auto info = decode_network_packet(k_capture_test_ipv4, bytes);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->truncated);
    EXPECT_EQ(info->ip_total_length, 33u);
    EXPECT_EQ(info->sport, 12345);
    EXPECT_EQ(info->dport, 53);
    EXPECT_EQ(info->payload, "he");
    // The transport header cut: the packet is still IP, without ports.
    const auto cut = decode_network_packet(k_capture_test_ipv4, bytes.substr(0, 24));
    ASSERT_TRUE(cut);
    EXPECT_TRUE(cut->truncated);
    EXPECT_EQ(cut->protocol, IPPROTO_UDP);
    EXPECT_EQ(cut->dport, 0);
}

TEST(CapturePacket, RejectsShortHeadersAndOtherEthertypes) {
    EXPECT_FALSE(decode_network_packet(k_capture_test_ipv4, k_capture_test_udp4.substr(0, 19)));
    EXPECT_FALSE(decode_network_packet(0x0806, k_capture_test_udp4));  // ARP
    EXPECT_FALSE(decode_network_packet(k_capture_test_ipv6, k_capture_test_udp4));
    std::string ihl_too_small = k_capture_test_udp4;
    ihl_too_small[0] = '\x44';
    EXPECT_FALSE(decode_network_packet(k_capture_test_ipv4, ihl_too_small));
    std::string ihl_past_end = k_capture_test_udp4.substr(0, 28);
    ihl_past_end[0] = '\x48';  // 32 bytes of header in 28
    EXPECT_FALSE(decode_network_packet(k_capture_test_ipv4, ihl_past_end));
    EXPECT_FALSE(decode_network_packet(k_capture_test_ipv6, std::string(39, '\x60')));
}

TEST(CapturePacket, Ipv4FragmentsOnlyFirstHasPorts) {
    // Offset 3 (24 bytes), no more fragments: its data is not a UDP header.
    const std::string later =
        capture_test_hex("45 00 001c | 0002 0003 | 40 11 0000 | 0a000001 | 0a000002") + "ABCDEFGH";
    const auto info = decode_network_packet(k_capture_test_ipv4, later);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->fragment);
    EXPECT_EQ(info->protocol, IPPROTO_UDP);
    EXPECT_EQ(info->sport, 0);
    EXPECT_EQ(info->dport, 0);
    EXPECT_EQ(info->payload, "ABCDEFGH");

    std::string first = k_capture_test_udp4;
    first[6] = '\x20';  // more fragments, offset 0
    const auto head = decode_network_packet(k_capture_test_ipv4, first);
    ASSERT_TRUE(head);
    EXPECT_TRUE(head->fragment);
    EXPECT_EQ(head->dport, 53);
}

TEST(CapturePacket, Ipv6LaterFragmentAndMappedAddress) {
    // Fragment header (next UDP, offset 1 = 8 bytes); destination an IPv4-mapped address.
    const std::string bytes =
        capture_test_hex(
            "60000000 | 0010 2c 40 |"
            "20010db8000000000000000000000001 | 00000000000000000000ffff0a000001 |"
            "11 00 0008 0000002a") +
        "ABCDEFGH";
    const auto info = decode_network_packet(k_capture_test_ipv6, bytes);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->fragment);
    EXPECT_EQ(info->protocol, IPPROTO_UDP);
    EXPECT_EQ(info->dst, "::ffff:10.0.0.1");
    EXPECT_EQ(info->dport, 0);
    EXPECT_EQ(info->payload, "ABCDEFGH");
}

TEST(CapturePacket, Ipv6ExtensionChainIsBounded) {
    // Ten hop-by-hop headers in a row, each pointing at another: the walk stops at its bound.
    std::string bytes = capture_test_hex(
        "60000000 | 0050 00 40 |"
        "20010db8000000000000000000000001 | 20010db8000000000000000000000002");
    for (int i = 0; i < 10; ++i) bytes += capture_test_hex("00 00 0104 00000000");
    const auto info = decode_network_packet(k_capture_test_ipv6, bytes);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->protocol, IPPROTO_HOPOPTS);
    EXPECT_EQ(info->dport, 0);
}

TEST(PcapFormat, FileHeaderBytes) {
    EXPECT_EQ(irsnap::capture::pcap_file_header(1600),
              capture_test_hex("4d3cb2a1 0200 0400 00000000 00000000 54060000 14010000"));
}

TEST(PcapFormat, RecordBytes) {
    irsnap::capture::PacketMeta meta;
    meta.unix_ns = 1700000000123456789;
    meta.ifindex = 2;
    meta.protocol = 0x0800;
    meta.hatype = 1;   // ARPHRD_ETHER
    meta.pkttype = 4;  // PACKET_OUTGOING
    meta.halen = 6;
    meta.addr = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0, 0};
    const std::string record = irsnap::capture::pcap_record(meta, "ABCDEFGHIJ", 100, 4);
    EXPECT_EQ(record, capture_test_hex(
                          // seconds, nanoseconds, 20 + 4 kept, 20 + 100 on the wire
                          "00f15365 15cd5b07 18000000 78000000 |"
                          // SLL2: protocol, reserved, ifindex, ARPHRD, type, halen, address
                          "0800 0000 00000002 0001 04 06 0242ac1100020000") +
                          "ABCD");
    // A record never claims less on the wire than it holds; before 1970 the nanoseconds stay
    // positive.
    meta.unix_ns = -1;
    const std::string early = irsnap::capture::pcap_record(meta, "AB", 0, 1600);
    EXPECT_EQ(early.substr(0, 16), capture_test_hex("ffffffff ffc99a3b 16000000 16000000"));
}

namespace {

// Header: id 0x1234, RD, one question; question example.com A IN (29 bytes in all).
const std::string k_capture_test_query = capture_test_hex("1234 0100 0001 0000 0000 0000") +
                                         "\x07"
                                         "example"
                                         "\x03"
                                         "com" +
                                         capture_test_hex("00 0001 0001");

}  // namespace

TEST(DnsMessage, Query) {
    const auto msg = parse_dns_message(k_capture_test_query);
    ASSERT_TRUE(msg);
    EXPECT_EQ(msg->id, 0x1234);
    EXPECT_FALSE(msg->response);
    EXPECT_EQ(msg->opcode, 0);
    EXPECT_EQ(msg->rcode, 0);
    EXPECT_FALSE(msg->truncated_flag);
    EXPECT_EQ(msg->question, "example.com");
    EXPECT_EQ(msg->question_type, "A");
    EXPECT_TRUE(msg->answers.empty());
    EXPECT_FALSE(msg->answers_cut);
}

TEST(DnsMessage, ResponseWithCnameAAaaaThroughPointers) {
    // Question at 12 (example.com). Answer 1 at 29: CNAME, owner -> 12, rdata "www" -> 12, the
    // "www" label at offset 41 (0x29). Answers 2 and 3 name www.example.com by pointing at 41.
    const std::string bytes =
        capture_test_hex("1234 8180 0001 0003 0000 0000") +
        "\x07"
        "example"
        "\x03"
        "com" +
        capture_test_hex("00 0001 0001") + capture_test_hex("c00c 0005 0001 0000012c 0006") +
        "\x03"
        "www" +
        capture_test_hex("c00c") + capture_test_hex("c029 0001 0001 0000003c 0004 5db8d822") +
        capture_test_hex("c029 001c 0001 0000003c 0010 26062800022000010248189325c81946");
    const auto msg = parse_dns_message(bytes);
    ASSERT_TRUE(msg);
    EXPECT_TRUE(msg->response);
    EXPECT_EQ(msg->rcode, 0);
    EXPECT_EQ(msg->question, "example.com");
    ASSERT_EQ(msg->answers.size(), 3u);
    EXPECT_FALSE(msg->answers_cut);
    EXPECT_EQ(msg->answers[0].name, "example.com");
    EXPECT_EQ(msg->answers[0].type, "CNAME");
    EXPECT_EQ(msg->answers[0].ttl, 300u);
    EXPECT_EQ(msg->answers[0].data, "www.example.com");
    EXPECT_EQ(msg->answers[1].name, "www.example.com");
    EXPECT_EQ(msg->answers[1].type, "A");
    EXPECT_EQ(msg->answers[1].ttl, 60u);
    EXPECT_EQ(msg->answers[1].data, "93.184.216.34");
    EXPECT_EQ(msg->answers[2].type, "AAAA");
    EXPECT_EQ(msg->answers[2].data, "2606:2800:220:1:248:1893:25c8:1946");
}

TEST(DnsMessage, MxTxtSrvAndUnknownTypes) {
    // Question "." TYPE65280; answers all owned by the root (a single 00 byte).
    const std::string bytes =
        capture_test_hex("0001 8183 0001 0004 0000 0000 | 00 ff00 0001") +
        capture_test_hex("00 000f 0001 00000001 0007 000a") +
        "\x02"
        "mx" +
        capture_test_hex("c00c") + capture_test_hex("00 0010 0001 00000001 0008") +
        "\x03"
        "v=s"
        "\x03"
        "pf1" +
        capture_test_hex("00 0021 0001 00000001 0009 0001 0002 1f90") +
        "\x01"
        "t" +
        capture_test_hex("00") + capture_test_hex("00 ff00 0001 00000001 0003 00abff");
    const auto msg = parse_dns_message(bytes);
    ASSERT_TRUE(msg);
    EXPECT_EQ(msg->rcode, 3);  // NXDOMAIN
    EXPECT_EQ(msg->question, ".");
    EXPECT_EQ(msg->question_type, "TYPE65280");
    ASSERT_EQ(msg->answers.size(), 4u);
    EXPECT_EQ(msg->answers[0].data, "10 mx");
    EXPECT_EQ(msg->answers[1].data, "v=spf1");
    EXPECT_EQ(msg->answers[2].data, "1 2 8080 t");
    EXPECT_EQ(msg->answers[3].type, "TYPE65280");
    EXPECT_EQ(msg->answers[3].data, "00abff");
}

TEST(DnsMessage, CompressionLoopsEnd) {
    // The question's name points at itself; then two pointers pointing at each other.
    EXPECT_FALSE(
        parse_dns_message(capture_test_hex("0001 0000 0001 0000 0000 0000 | c00c 0001 0001")));
    EXPECT_FALSE(
        parse_dns_message(capture_test_hex("0001 0000 0001 0000 0000 0000 | c00e c00c 0001 0001")));
    // A looping answer name ends the answer section, the question stays.
    std::string response = capture_test_hex("0001 8180 0001 0001 0000 0000") +
                           "\x01"
                           "a" +
                           capture_test_hex("00 0001 0001 | c013 0001 0001 00000001 0004 01020304");
    const auto msg = parse_dns_message(response);
    ASSERT_TRUE(msg);
    EXPECT_EQ(msg->question, "a");
    EXPECT_TRUE(msg->answers.empty());
    EXPECT_TRUE(msg->answers_cut);
}

TEST(DnsMessage, NameLengthLimit) {
    const std::string label63 = "\x3f" + std::string(63, 'x');
    const std::string header = capture_test_hex("0001 0000 0001 0000 0000 0000");
    const std::string tail = capture_test_hex("00 0001 0001");
    // 3 * 64 + 62 + the root byte = 255 bytes on the wire: the longest allowed.
    const auto longest = parse_dns_message(header + label63 + label63 + label63 + "\x3d" +
                                           std::string(61, 'y') + tail);
    ASSERT_TRUE(longest);
    EXPECT_EQ(longest->question.size(), 253u);
    // One byte more is refused, as is a name of 5 full labels.
    EXPECT_FALSE(parse_dns_message(header + label63 + label63 + label63 + "\x3e" +
                                   std::string(62, 'y') + tail));
    EXPECT_FALSE(
        parse_dns_message(header + label63 + label63 + label63 + label63 + label63 + tail));
}

TEST(DnsMessage, CountsLargerThanTheBytes) {
    std::string many_answers = k_capture_test_query;
    many_answers[6] = '\xff';  // ancount 0xff00
    EXPECT_FALSE(parse_dns_message(many_answers));
    std::string two_questions = k_capture_test_query;
    two_questions[5] = '\x07';  // 7 questions need 35 bytes; 17 are there
    EXPECT_FALSE(parse_dns_message(two_questions));
    EXPECT_FALSE(parse_dns_message(k_capture_test_query.substr(0, 11)));
    // One answer promised, none there (11 bytes of garbage pass the count check).
    std::string cut = k_capture_test_query + "\xc0\x0c"s + std::string(9, '\0');
    cut[7] = '\x01';
    cut.back() = '\x05';  // rdlength 5 past the end
    const auto msg = parse_dns_message(cut);
    ASSERT_TRUE(msg);
    EXPECT_TRUE(msg->answers_cut);
    EXPECT_TRUE(msg->answers.empty());
}

TEST(DnsMessage, TcpLengthPrefix) {
    const auto whole = parse_dns_tcp_segment("\x00\x1d"s + k_capture_test_query);
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->question, "example.com");
    // Trailing bytes of a next message do not matter; a length past the segment does.
    EXPECT_TRUE(parse_dns_tcp_segment("\x00\x1d"s + k_capture_test_query + "\x00\x1d\x12"s));
    EXPECT_FALSE(parse_dns_tcp_segment("\x00\x1e"s + k_capture_test_query));
    EXPECT_FALSE(parse_dns_tcp_segment("\x00\x00"s));
    EXPECT_FALSE(parse_dns_tcp_segment("\x00"s));
}

namespace {

/// tcpdump's path, or empty when it is not installed.
std::string capture_test_tcpdump() {
    for (const char* path : {"/usr/bin/tcpdump", "/usr/sbin/tcpdump"}) {
        if (access(path, X_OK) == 0) return path;
    }
    return {};
}

uint16_t capture_test_bound_port(int fd) {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    return ntohs(addr.sin_port);
}

irsnap::UniqueFd capture_test_udp_socket() {
    irsnap::UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return fd;
}

}  // namespace

TEST(PacketRing, SeesLoopbackUdpAndTcpdumpReadsThePcap) {
    if (geteuid() != 0) GTEST_SKIP() << "AF_PACKET needs root";
    auto ring = irsnap::capture::PacketRing::open(-1, 1600, size_t{1} << 20);
    if (!ring && (ring.error().code == EPERM || ring.error().code == EACCES)) {
        GTEST_SKIP() << "AF_PACKET refused: " << ring.error().message;
    }
    ASSERT_TRUE(ring) << ring.error().stage << ": " << ring.error().message;

    const irsnap::UniqueFd receiver = capture_test_udp_socket();
    const irsnap::UniqueFd sender = capture_test_udp_socket();
    const uint16_t dport = capture_test_bound_port(receiver.get());
    const uint16_t sport = capture_test_bound_port(sender.get());
    const std::string payload = "irsnap-capture-" + std::to_string(getpid());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(dport);
    ASSERT_EQ(sendto(sender.get(), payload.data(), payload.size(), 0,
                     reinterpret_cast<const sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(payload.size()));

    std::string record;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (record.empty() && std::chrono::steady_clock::now() < deadline) {
        pollfd p{ring->fd(), POLLIN, 0};
        poll(&p, 1, 100);
        ring->drain([&](const irsnap::capture::CapturedPacket& packet) {
            const auto info = decode_network_packet(packet.meta.protocol, packet.bytes);
            if (!record.empty() || !info || info->protocol != IPPROTO_UDP || info->dport != dport ||
                info->sport != sport) {
                return;
            }
            EXPECT_EQ(info->src, "127.0.0.1");
            EXPECT_EQ(info->dst, "127.0.0.1");
            EXPECT_EQ(info->payload, payload);
            EXPECT_EQ(packet.wire_len, 28 + payload.size());
            EXPECT_EQ(packet.meta.protocol, 0x0800);
            EXPECT_GT(packet.meta.unix_ns, int64_t{1'600'000'000} * 1'000'000'000);
            record = irsnap::capture::pcap_record(packet.meta, packet.bytes, packet.wire_len, 1600);
        });
    }
    ASSERT_FALSE(record.empty()) << "the datagram to port " << dport << " was not captured";
    EXPECT_GE(ring->stats().packets, 1u);

    const irsnap::test::TempDir dir("irsnap-capture");
    const auto file = dir.path() / "window.pcap";
    std::ofstream(file, std::ios::binary) << irsnap::capture::pcap_file_header(1600) << record;
    const std::string tcpdump = capture_test_tcpdump();
    if (tcpdump.empty()) GTEST_SKIP() << "no tcpdump to read the pcap back";
    const std::string command = tcpdump + " -nn -r '" + file.string() + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buf[512];
    while (fgets(buf, sizeof buf, pipe)) output += buf;
    EXPECT_EQ(pclose(pipe), 0) << output;
    EXPECT_NE(
        output.find("127.0.0.1." + std::to_string(sport) + " > 127.0.0.1." + std::to_string(dport) +
                    ": UDP, length " + std::to_string(payload.size())),
        std::string::npos)
        << output;
}
