// SPDX-License-Identifier: Apache-2.0
// PackedHandles: see packed_handles.hpp for why. Each block decodes on its own (the delta and
// the front coding restart with it), so blocks can be freed one by one while merging.
#include "irsnap/packed_handles.hpp"

#include <algorithm>
#include <cstring>

namespace irsnap {
namespace {

constexpr size_t k_block_bytes = 64 * 1024;

enum Bits : uint8_t { k_stat = 1, k_fdinfo = 2, k_content = 4, k_mnt_id = 8 };

void put(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

uint64_t get(const char* data, size_t& at) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        const auto byte = static_cast<uint8_t>(data[at++]);
        v |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return v;
    }
}

uint64_t zigzag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t v) {
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

size_t shared_prefix(std::string_view a, std::string_view b) {
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
}

}  // namespace

void PackedHandles::push_back(const OpenHandle& h) {
    // Encode against the current block's state; if the record does not fit, start a block and
    // encode again against a fresh state (each block decodes on its own).
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool fresh = m_blocks.empty() || attempt == 1;
        const int32_t previous_pid = fresh ? 0 : m_previous_pid;
        const std::string_view previous_text = fresh ? std::string_view() : m_previous_text;
        std::string& out = m_scratch;
        out.clear();
        const uint8_t bits = (h.has_stat ? k_stat : 0) | (h.has_fdinfo ? k_fdinfo : 0) |
                             (h.content >= 0 ? k_content : 0) |
                             (h.has_fdinfo && h.mnt_id >= 0 ? k_mnt_id : 0);
        out.push_back(static_cast<char>(bits));
        put(out, zigzag(int64_t{h.pid} - previous_pid));
        put(out, static_cast<uint32_t>(h.fd));
        put(out, h.process);
        if (h.has_stat) {
            put(out, h.mode);
            put(out, h.device);
            put(out, h.inode);
            put(out, h.size);
            put(out, h.nlink);
        }
        if (h.has_fdinfo) {
            put(out, h.position);
            put(out, h.flags);
            if (bits & k_mnt_id) put(out, static_cast<uint32_t>(h.mnt_id));
        }
        if (bits & k_content) put(out, static_cast<uint32_t>(h.content));
        const size_t shared = shared_prefix(previous_text, h.target);
        put(out, shared);
        put(out, h.target.size() - shared);
        out.append(h.target.substr(shared));

        if (!fresh && m_blocks.back().used + out.size() > k_block_bytes) continue;
        if (fresh) {
            const size_t capacity = std::max(k_block_bytes, out.size());
            m_blocks.push_back({std::make_unique<char[]>(capacity), 0, 0});
        }
        Block& block = m_blocks.back();
        std::memcpy(block.data.get() + block.used, out.data(), out.size());
        block.used += out.size();
        ++block.records;
        ++m_count;
        m_previous_pid = h.pid;
        m_previous_text.assign(h.target);
        return;
    }
}

size_t PackedHandles::bytes() const {
    size_t total = 0;
    for (const auto& b : m_blocks) total += std::max(k_block_bytes, b.used);
    return total;
}

void PackedHandles::append_from(PackedHandles& other, uint32_t process_offset,
                                int32_t content_offset) {
    for (size_t b = 0; b < other.m_blocks.size(); ++b) {
        // A one-block view of `other`, so the iterator decodes just this block.
        PackedHandles one;
        one.m_blocks.push_back(std::move(other.m_blocks[b]));
        one.m_count = one.m_blocks.back().records;
        for (const OpenHandle& h : one) {
            OpenHandle moved = h;
            moved.process += process_offset;
            if (moved.content >= 0) moved.content += content_offset;
            push_back(moved);
        }
    }
    other.m_blocks.clear();
    other.m_count = 0;
    other.m_previous_text.clear();
}

PackedHandles::const_iterator::const_iterator(const PackedHandles* table, size_t left)
    : m_table(table), m_left(left) {
    if (m_left > 0) decode();
}

PackedHandles::const_iterator& PackedHandles::const_iterator::operator++() {
    if (--m_left > 0) decode();
    return *this;
}

void PackedHandles::const_iterator::decode() {
    while (m_offset >= m_table->m_blocks[m_block].used) {
        ++m_block;
        m_offset = 0;
        m_previous_pid = 0;
        m_text.clear();
    }
    const char* data = m_table->m_blocks[m_block].data.get();
    size_t& at = m_offset;
    OpenHandle h;
    const auto bits = static_cast<uint8_t>(data[at++]);
    h.pid = static_cast<int32_t>(m_previous_pid + unzigzag(get(data, at)));
    m_previous_pid = h.pid;
    h.fd = static_cast<int32_t>(get(data, at));
    h.process = static_cast<uint32_t>(get(data, at));
    h.has_stat = bits & k_stat;
    if (h.has_stat) {
        h.mode = static_cast<uint32_t>(get(data, at));
        h.device = get(data, at);
        h.inode = get(data, at);
        h.size = get(data, at);
        h.nlink = static_cast<uint32_t>(get(data, at));
    }
    h.has_fdinfo = bits & k_fdinfo;
    if (h.has_fdinfo) {
        h.position = get(data, at);
        h.flags = static_cast<uint32_t>(get(data, at));
        if (bits & k_mnt_id) h.mnt_id = static_cast<int32_t>(get(data, at));
    }
    if (bits & k_content) h.content = static_cast<int32_t>(get(data, at));
    const size_t shared = get(data, at);
    const size_t suffix = get(data, at);
    m_text.resize(shared);
    m_text.append(data + at, suffix);
    at += suffix;
    h.target = m_text;
    m_current = h;
}

}  // namespace irsnap
