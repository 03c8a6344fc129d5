// SPDX-License-Identifier: Apache-2.0
// PieceStream: a dump's or region's bytes in file order, memory read in chunks, unreadable
// pages turned into zeros and recorded holes (memory_store.hpp).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "memory_store.hpp"

namespace irsnap::collectors {

PieceStream::PieceStream(std::vector<DumpPiece> pieces, MemoryRead read, const Context& ctx)
    : m_pieces(std::move(pieces)), m_read(std::move(read)), m_ctx(ctx) {
    for (const auto& p : m_pieces) {
        if (!p.memory) continue;
        m_reads.emplace_back();
        m_digests.push_back(std::make_unique<Sha256>());
    }
}

uint64_t PieceStream::total_size() const {
    uint64_t total = 0;
    for (const auto& p : m_pieces) total += p.length();
    return total;
}

ZipSource PieceStream::source(bool digest_now) {
    return [this, digest_now](char* buffer, size_t capacity) {
        const long n = next(buffer, capacity);
        if (digest_now && n > 0) digest(buffer, static_cast<size_t>(n));
        return n;
    };
}

void PieceStream::digest(const char* data, size_t size) {
    while (size > 0 && m_digest_piece < m_pieces.size()) {
        const DumpPiece& piece = m_pieces[m_digest_piece];
        const uint64_t left = piece.length() - m_digest_offset;
        const size_t take = static_cast<size_t>(std::min<uint64_t>(left, size));
        if (piece.memory) m_digests[m_digest_memory]->update(data, take);
        data += take;
        size -= take;
        m_digest_offset += take;
        if (m_digest_offset == piece.length()) {
            if (piece.memory) {
                m_reads[m_digest_memory].sha256 = m_digests[m_digest_memory]->finish_hex();
                ++m_digest_memory;
            }
            ++m_digest_piece;
            m_digest_offset = 0;
        }
    }
}

long PieceStream::next(char* buffer, size_t capacity) {
    while (m_index < m_pieces.size()) {
        const DumpPiece& piece = m_pieces[m_index];
        if (m_offset >= piece.length()) {
            if (piece.memory) {
                PieceRead& state = m_reads[m_memory_index];
                state.complete = state.unreadable == 0;
                ++m_memory_index;
            }
            ++m_index;
            m_offset = 0;
            continue;
        }
        const size_t want =
            static_cast<size_t>(std::min<uint64_t>(capacity, piece.length() - m_offset));
        if (!piece.memory) {
            std::memcpy(buffer, piece.bytes.data() + m_offset, want);
            m_offset += want;
            return static_cast<long>(want);
        }
        const long n = read_memory(piece, m_reads[m_memory_index], buffer, want);
        m_offset += static_cast<uint64_t>(n);
        return n;
    }
    return 0;
}

long PieceStream::read_memory(const DumpPiece& piece, PieceRead& state, char* buffer, size_t want) {
    const uint64_t address = piece.address + m_offset;
    auto hole = [&](uint64_t from, size_t length) {
        std::memset(buffer + (from - address), 0, length);
        state.unreadable += length;
        if (!state.holes.empty() && state.holes.back().second == from) {
            state.holes.back().second = from + length;
        } else if (state.holes.size() < k_max_listed_holes) {
            state.holes.emplace_back(from, from + length);
        }
    };
    if (!m_gone && !m_stopped && m_ctx.should_stop()) m_stopped = true;
    if (m_gone || m_stopped) {
        hole(address, want);
        return static_cast<long>(want);
    }
    const long n = m_read(address, buffer, want);
    if (n == static_cast<long>(want)) {
        state.bytes_read += want;
        return n;
    }
    if (n == -ESRCH) {
        m_gone = true;
        hole(address, want);
        return static_cast<long>(want);
    }
    // Good bytes up to n, then the unreadable page: zeros to the next page boundary. The next
    // call reads on from there, so a run of bad pages costs one read each and no more.
    const size_t good = n > 0 ? static_cast<size_t>(n) : 0;
    state.bytes_read += good;
    const uint64_t bad = address + good;
    const uint64_t page_end = (bad / k_page_size + 1) * k_page_size;
    const size_t bad_length = static_cast<size_t>(std::min<uint64_t>(page_end - bad, want - good));
    hole(bad, bad_length);
    return static_cast<long>(good + bad_length);
}

}  // namespace irsnap::collectors
