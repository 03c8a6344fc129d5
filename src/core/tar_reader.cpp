// SPDX-License-Identifier: Apache-2.0
// Streaming ustar/pax parser for verify and unpack. It keeps only one header block and the pax
// records in memory, and it treats every byte as hostile: a tar handed to an analyst may have
// been cut by a dropped connection or crafted.
#include "irsnap/tar_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "irsnap/tar_writer.hpp"

namespace irsnap {
namespace {

/// Far above the pax records irsnap writes (a path and a size): a crafted stream must not make
/// the reader hold a large extended header.
constexpr size_t k_max_pax_bytes = 64 * 1024;

std::string field_text(const std::string& block, size_t offset, size_t width) {
    const char* start = block.data() + offset;
    return std::string(start, strnlen(start, width));
}

/// Octal with optional leading spaces and trailing NUL/space, or GNU base-256 (high bit set).
bool parse_number(const std::string& block, size_t offset, size_t width, uint64_t& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(block.data() + offset);
    out = 0;
    if (p[0] & 0x80) {
        if (p[0] != 0x80) return false;  // negative numbers have no use here
        for (size_t i = 1; i < width; ++i) {
            if (out >> 56) return false;
            out = (out << 8) | p[i];
        }
        return true;
    }
    size_t i = 0;
    while (i < width && p[i] == ' ') ++i;
    bool digits = false;
    for (; i < width && p[i] >= '0' && p[i] <= '7'; ++i) {
        if (out >> 61) return false;
        out = (out << 3) | (p[i] - '0');
        digits = true;
    }
    for (; i < width; ++i) {
        if (p[i] != ' ' && p[i] != '\0') return false;
    }
    return digits;
}

bool all_zero(const std::string& block) {
    return std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; });
}

}  // namespace

std::string TarEnd::describe() const {
    const std::string last = last_complete.empty() ? "none" : last_complete;
    if (!error.empty()) {
        return "malformed tar at byte " + std::to_string(offset) + ": " + error +
               "; last complete member: " + last;
    }
    if (end_marker) return "complete tar stream (" + std::to_string(members) + " members)";
    if (!cut_in.empty()) {
        return "the stream ends at byte " + std::to_string(offset) + " inside " + cut_in + " (" +
               std::to_string(cut_member_bytes) + " of " + std::to_string(cut_member_size) +
               " bytes arrived); last complete member: " + last;
    }
    return "the stream ends at byte " + std::to_string(offset) +
           " without the end-of-archive marker; last complete member: " + last;
}

void TarReader::fail(std::string message) {
    m_end.error = std::move(message);
    m_end.offset = m_member_offset;
    m_state = State::done;
}

bool TarReader::feed(std::string_view bytes) {
    while (!bytes.empty() && m_state != State::done) {
        switch (m_state) {
            case State::header:
            case State::second_zero: {
                size_t take = std::min(bytes.size(), k_tar_block - m_block.size());
                m_block.append(bytes.data(), take);
                bytes.remove_prefix(take);
                m_end.offset += take;
                if (m_block.size() == k_tar_block) on_header_block();
                break;
            }
            case State::data: {
                size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), m_left));
                if (take > 0) m_visitor.data(bytes.substr(0, take));
                bytes.remove_prefix(take);
                m_end.offset += take;
                m_left -= take;
                if (m_left == 0) {
                    m_visitor.end();
                    m_end.last_complete = m_member.name;
                    ++m_end.members;
                    m_left = tar_padding(m_member.size).size();
                    m_state = m_left ? State::padding : State::header;
                }
                break;
            }
            case State::pax_data: {
                size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), m_left));
                m_pax.append(bytes.data(), take);
                bytes.remove_prefix(take);
                m_end.offset += take;
                m_left -= take;
                if (m_left == 0) {
                    m_left = tar_padding(m_pax.size()).size();
                    apply_pax(m_pax, m_pax_global);
                    if (m_state == State::done) break;
                    m_state = m_left ? State::padding : State::header;
                }
                break;
            }
            case State::padding: {
                size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), m_left));
                bytes.remove_prefix(take);
                m_end.offset += take;
                m_left -= take;
                if (m_left == 0) m_state = State::header;
                break;
            }
            case State::done:
                break;
        }
    }
    return m_state != State::done;
}

void TarReader::on_header_block() {
    std::string block;
    block.swap(m_block);
    const uint64_t start = m_end.offset - k_tar_block;
    if (all_zero(block)) {
        if (m_state == State::second_zero) {
            m_end.end_marker = true;
            m_state = State::done;
        } else {
            m_state = State::second_zero;
        }
        return;
    }
    m_member_offset = start;
    if (m_state == State::second_zero) {
        fail("a single zero block inside the archive");
        return;
    }
    uint64_t recorded = 0;
    if (!parse_number(block, 148, 8, recorded)) {
        fail("header checksum field is not a number");
        return;
    }
    unsigned unsigned_sum = 0;
    int signed_sum = 0;
    for (size_t i = 0; i < k_tar_block; ++i) {
        const char c = (i >= 148 && i < 156) ? ' ' : block[i];
        unsigned_sum += static_cast<unsigned char>(c);
        signed_sum += static_cast<signed char>(c);
    }
    // Some old writers summed signed chars; both are accepted, anything else is damage.
    if (recorded != unsigned_sum && static_cast<int64_t>(recorded) != signed_sum) {
        fail("header checksum mismatch");
        return;
    }
    TarMember member;
    member.typeflag = block[156];
    member.name = field_text(block, 0, 100);
    member.linkname = field_text(block, 157, 100);
    if (std::memcmp(block.data() + 257, "ustar", 5) == 0) {
        const std::string prefix = field_text(block, 345, 155);
        if (!prefix.empty()) member.name = prefix + "/" + member.name;
    }
    uint64_t number = 0;
    if (!parse_number(block, 124, 12, member.size)) {
        fail("size field is not a number");
        return;
    }
    if (parse_number(block, 100, 8, number)) member.mode = static_cast<uint32_t>(number & 07777);
    if (parse_number(block, 136, 12, number))
        member.mtime = static_cast<int64_t>(std::min<uint64_t>(number, INT64_MAX));
    start_member(std::move(member));
}

void TarReader::start_member(TarMember member) {
    if (member.typeflag == 'x' || member.typeflag == 'g') {
        if (member.size > k_max_pax_bytes) {
            fail("pax extended header of " + std::to_string(member.size) + " bytes");
            return;
        }
        m_pax.clear();
        m_pax_global = member.typeflag == 'g';
        m_left = member.size;
        m_state = State::pax_data;
        if (m_left == 0) {
            apply_pax("", m_pax_global);
            if (m_state != State::done) m_state = State::header;
        }
        return;
    }
    if (!m_pax_path.empty()) member.name = std::exchange(m_pax_path, {});
    if (!m_pax_size.empty()) {
        member.size = std::stoull(std::exchange(m_pax_size, {}));
    }
    // Links, devices and FIFOs carry no data however large their size field says.
    if (member.typeflag != '0' && member.typeflag != '\0' && member.typeflag != '7' &&
        member.typeflag != '5') {
        if (member.typeflag == '1' || member.typeflag == '2' || member.typeflag == '3' ||
            member.typeflag == '4' || member.typeflag == '6') {
            member.size = 0;
        }
    }
    m_member = std::move(member);
    m_visitor.begin(m_member);
    m_left = m_member.size;
    m_state = State::data;
    if (m_left == 0) {
        m_visitor.end();
        m_end.last_complete = m_member.name;
        ++m_end.members;
        m_state = State::header;
    }
}

void TarReader::apply_pax(std::string_view records, bool global) {
    while (!records.empty()) {
        size_t space = records.find(' ');
        if (space == std::string_view::npos || space == 0 || space > 20) {
            fail("bad pax record length");
            return;
        }
        uint64_t len = 0;
        for (size_t i = 0; i < space; ++i) {
            if (records[i] < '0' || records[i] > '9') {
                fail("bad pax record length");
                return;
            }
            len = len * 10 + static_cast<uint64_t>(records[i] - '0');
        }
        if (len <= space + 1 || len > records.size() || records[len - 1] != '\n') {
            fail("bad pax record length");
            return;
        }
        std::string_view record = records.substr(space + 1, len - space - 2);
        records.remove_prefix(len);
        size_t eq = record.find('=');
        if (eq == std::string_view::npos) {
            fail("pax record without '='");
            return;
        }
        std::string_view key = record.substr(0, eq);
        std::string_view value = record.substr(eq + 1);
        if (global) continue;  // global defaults are not used by irsnap's own streams
        if (key == "path") {
            m_pax_path = std::string(value);
        } else if (key == "size") {
            if (value.empty() || value.size() > 19 ||
                !std::all_of(value.begin(), value.end(),
                             [](char c) { return c >= '0' && c <= '9'; })) {
                fail("bad pax size");
                return;
            }
            m_pax_size = std::string(value);
        }
    }
}

const TarEnd& TarReader::finish() {
    if (m_state == State::done) return m_end;
    if (m_state == State::data) {
        m_end.cut_in = m_member.name;
        m_end.cut_member_size = m_member.size;
        m_end.cut_member_bytes = m_member.size - m_left;
    }
    m_state = State::done;
    return m_end;
}

int feed_from_fd(int fd, TarReader& reader) {
    std::string buffer(1 << 16, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return 0;
        if (!reader.feed(std::string_view(buffer.data(), static_cast<size_t>(n)))) return 0;
    }
}

}  // namespace irsnap
