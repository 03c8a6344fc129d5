// SPDX-License-Identifier: Apache-2.0
// DNS messages seen during the observe window (issue 21): the question and the answers of a
// query or response, decoded from a captured UDP or TCP payload. The bytes are the network's:
// hostile, so every count, length and compression pointer is checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::capture {

/// Longest name kept (RFC 1035: 255 bytes on the wire); a longer one fails the message.
inline constexpr size_t k_dns_max_name = 255;
/// Answers kept of one message; the rest are not decoded.
inline constexpr size_t k_dns_max_answers = 64;
/// Bytes of rdata shown as hex for a type without a text form.
inline constexpr size_t k_dns_max_hex_rdata = 256;

struct DnsAnswer {
    std::string name;  ///< owner name, as DnsMessage::question
    std::string type;  ///< as DnsMessage::question_type
    uint32_t ttl = 0;
    /// A/AAAA address text; CNAME/NS/PTR a name; MX "10 mx.example"; TXT its strings joined;
    /// SRV "priority weight port target"; otherwise lower-case hex of the first 256 rdata bytes
    /// (also for an A/AAAA/name whose rdata does not decode).
    std::string data;
};

struct DnsMessage {
    uint16_t id = 0;
    bool response = false;  ///< QR bit
    uint8_t opcode = 0;
    uint8_t rcode = 0;
    bool truncated_flag = false;  ///< TC bit: the server cut the answer (retry over TCP)
    /// The first question's name: "example.com" (no trailing dot; "." for the root). Label
    /// bytes are kept raw (a '.' or control byte inside a label too): escape before display.
    /// Empty with question_type when the message has no question.
    std::string question;
    /// "A", "AAAA", "CNAME", "MX", "TXT", "PTR", "NS", "SOA", "SRV", "HTTPS", "ANY" ... or
    /// "TYPE65280" for a type without a name here.
    std::string question_type;
    std::vector<DnsAnswer> answers;  ///< answer section only, at most k_dns_max_answers
    /// The answer section ended (bad name, rdata past the end) before ancount records.
    bool answers_cut = false;
};

/// Pure: decodes one DNS message (a UDP payload). nullopt when the 12-byte header is not there,
/// when qdcount/ancount promise more records than the bytes can hold (a question takes at least
/// 5 bytes, a record 11), or when the first question does not decode. Compression pointers may
/// point anywhere in the message; at most 64 are followed per name, so a loop ends.
std::optional<DnsMessage> parse_dns_message(std::string_view bytes);

/// Pure: DNS over TCP: the first message of a TCP payload segment, after its 2-byte big-endian
/// length prefix, when the segment holds all of it. nullopt otherwise (the segment is cut, or a
/// continuation of an earlier message).
std::optional<DnsMessage> parse_dns_tcp_segment(std::string_view payload);

/// The name of DNS type `type` ("A", "HTTPS" ...) or "TYPE<n>".
std::string dns_type_name(uint16_t type);

}  // namespace irsnap::capture
