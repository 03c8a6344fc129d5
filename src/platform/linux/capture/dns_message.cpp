// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/dns_message.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <utility>

#include "wire_bytes.hpp"

namespace irsnap::capture {
namespace {

constexpr size_t k_header = 12;
constexpr size_t k_min_question = 5;  // root name (1) + type + class
constexpr size_t k_min_record = 11;   // root name (1) + type, class, ttl, rdlength
// Enough for any honest name (at most 127 labels, each reached at most once); ends a loop.
constexpr int k_max_pointer_jumps = 64;

/// Reads the (possibly compressed) name at `at` of `msg`. On success `out` holds the dotted
/// name and `next` the offset after the name where it started (after the first pointer).
bool read_name(std::string_view msg, size_t at, std::string& out, size_t& next) {
    out.clear();
    size_t wire_length = 1;  // the terminating root label
    int jumps = 0;
    bool jumped = false;
    while (true) {
        if (at >= msg.size()) return false;
        const uint8_t len = wire::u8(msg, at);
        if ((len & 0xc0) == 0xc0) {
            if (at + 1 >= msg.size() || ++jumps > k_max_pointer_jumps) return false;
            if (!jumped) next = at + 2;
            jumped = true;
            at = static_cast<size_t>(wire::be16(msg, at) & 0x3fff);
            continue;
        }
        if ((len & 0xc0) != 0) return false;  // 0x40 / 0x80: extended label types, obsolete
        if (len == 0) {
            if (!jumped) next = at + 1;
            if (out.empty()) out = ".";
            return true;
        }
        wire_length += len + 1u;
        if (wire_length > k_dns_max_name || at + 1 + len > msg.size()) return false;
        if (!out.empty()) out.push_back('.');
        out.append(msg.substr(at + 1, len));
        at += 1 + len;
    }
}

std::string hex_of(std::string_view bytes) {
    static constexpr char k_digits[] = "0123456789abcdef";
    bytes = bytes.substr(0, k_dns_max_hex_rdata);
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<uint8_t>(c);
        out.push_back(k_digits[b >> 4]);
        out.push_back(k_digits[b & 0x0f]);
    }
    return out;
}

/// A name inside rdata that must end exactly at the rdata's end; empty optional otherwise.
std::optional<std::string> rdata_name(std::string_view msg, size_t at, size_t rdata_end) {
    std::string name;
    size_t next = 0;
    if (!read_name(msg, at, name, next) || next != rdata_end) return std::nullopt;
    return name;
}

/// The text form of one record's rdata, at [at, at + length) of `msg` (names in it may point
/// anywhere in the message). nullopt when it does not decode: the caller shows hex.
std::optional<std::string> rdata_text(uint16_t type, std::string_view msg, size_t at,
                                      size_t length) {
    const std::string_view rdata = msg.substr(at, length);
    const size_t end = at + length;
    switch (type) {
        case 1:  // A
            if (length != 4) return std::nullopt;
            return wire::address_text(AF_INET, rdata);
        case 28:  // AAAA
            if (length != 16) return std::nullopt;
            return wire::address_text(AF_INET6, rdata);
        case 2:   // NS
        case 5:   // CNAME
        case 12:  // PTR
            return rdata_name(msg, at, end);
        case 15: {  // MX
            if (length < 3) return std::nullopt;
            const auto exchange = rdata_name(msg, at + 2, end);
            if (!exchange) return std::nullopt;
            return std::to_string(wire::be16(rdata, 0)) + " " + *exchange;
        }
        case 33: {  // SRV
            if (length < 7) return std::nullopt;
            const auto target = rdata_name(msg, at + 6, end);
            if (!target) return std::nullopt;
            return std::to_string(wire::be16(rdata, 0)) + " " +
                   std::to_string(wire::be16(rdata, 2)) + " " +
                   std::to_string(wire::be16(rdata, 4)) + " " + *target;
        }
        case 16: {  // TXT: character-strings, each a length byte and its bytes
            std::string joined;
            for (size_t i = 0; i < rdata.size();) {
                const size_t n = wire::u8(rdata, i);
                if (i + 1 + n > rdata.size()) return std::nullopt;
                joined.append(rdata.substr(i + 1, n));
                i += 1 + n;
            }
            return joined;
        }
        default:
            return std::nullopt;
    }
}

/// Decodes the record at `at` into `answer` and moves `at` past it.
bool read_record(std::string_view msg, size_t& at, DnsAnswer& answer) {
    size_t next = 0;
    if (!read_name(msg, at, answer.name, next) || next + 10 > msg.size()) return false;
    const uint16_t type = wire::be16(msg, next);
    answer.type = dns_type_name(type);
    answer.ttl = wire::be32(msg, next + 4);
    const size_t length = wire::be16(msg, next + 8);
    const size_t rdata = next + 10;
    if (rdata + length > msg.size()) return false;
    auto text = rdata_text(type, msg, rdata, length);
    answer.data = text ? std::move(*text) : hex_of(msg.substr(rdata, length));
    at = rdata + length;
    return true;
}

}  // namespace

std::string dns_type_name(uint16_t type) {
    static constexpr std::array<std::pair<uint16_t, const char*>, 28> k_names{{
        {1, "A"},      {2, "NS"},      {5, "CNAME"},  {6, "SOA"},    {12, "PTR"},  {13, "HINFO"},
        {15, "MX"},    {16, "TXT"},    {17, "RP"},    {18, "AFSDB"}, {28, "AAAA"}, {29, "LOC"},
        {33, "SRV"},   {35, "NAPTR"},  {39, "DNAME"}, {41, "OPT"},   {43, "DS"},   {46, "RRSIG"},
        {47, "NSEC"},  {48, "DNSKEY"}, {50, "NSEC3"}, {52, "TLSA"},  {64, "SVCB"}, {65, "HTTPS"},
        {251, "IXFR"}, {252, "AXFR"},  {255, "ANY"},  {257, "CAA"},
    }};
    for (const auto& [value, name] : k_names) {
        if (value == type) return name;
    }
    return "TYPE" + std::to_string(type);
}

std::optional<DnsMessage> parse_dns_message(std::string_view bytes) {
    if (bytes.size() < k_header) return std::nullopt;
    const uint16_t flags = wire::be16(bytes, 2);
    const size_t qdcount = wire::be16(bytes, 4);
    const size_t ancount = wire::be16(bytes, 6);
    // Counts the bytes cannot hold: not DNS, or forged to make a reader spin.
    if (qdcount * k_min_question + ancount * k_min_record > bytes.size() - k_header) {
        return std::nullopt;
    }
    DnsMessage msg;
    msg.id = wire::be16(bytes, 0);
    msg.response = (flags & 0x8000) != 0;
    msg.opcode = static_cast<uint8_t>((flags >> 11) & 0x0f);
    msg.truncated_flag = (flags & 0x0200) != 0;
    msg.rcode = static_cast<uint8_t>(flags & 0x0f);

    size_t at = k_header;
    std::string name;
    for (size_t i = 0; i < qdcount; ++i) {
        size_t next = 0;
        if (!read_name(bytes, at, name, next) || next + 4 > bytes.size()) {
            if (i == 0) return std::nullopt;
            msg.answers_cut = ancount > 0;  // the answers start after a question we cannot pass
            return msg;
        }
        if (i == 0) {
            msg.question = name;
            msg.question_type = dns_type_name(wire::be16(bytes, next));
        }
        at = next + 4;
    }
    for (size_t i = 0; i < ancount && i < k_dns_max_answers; ++i) {
        DnsAnswer answer;
        if (!read_record(bytes, at, answer)) {
            msg.answers_cut = true;
            break;
        }
        msg.answers.push_back(std::move(answer));
    }
    return msg;
}

std::optional<DnsMessage> parse_dns_tcp_segment(std::string_view payload) {
    if (payload.size() < 2) return std::nullopt;
    const size_t length = wire::be16(payload, 0);
    if (length == 0 || payload.size() - 2 < length) return std::nullopt;
    return parse_dns_message(payload.substr(2, length));
}

}  // namespace irsnap::capture
