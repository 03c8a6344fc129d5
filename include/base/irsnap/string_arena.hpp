// SPDX-License-Identifier: Apache-2.0
// Append-only storage for many short strings that live as long as one snapshot (every
// descriptor's link text): one allocation per 64 KiB instead of one per string, and a 16-byte
// view in the record instead of a 32-byte std::string. Views stay valid when the arena moves.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace irsnap {

class StringArena {
  public:
    std::string_view store(std::string_view text) {
        if (text.empty()) return {};
        if (text.size() > k_block - m_used || m_blocks.empty()) {
            const size_t size = text.size() > k_block ? text.size() : k_block;
            m_blocks.push_back(std::make_unique_for_overwrite<char[]>(size));
            m_used = 0;
            if (size > k_block) {  // an oversized string gets its own block; the next starts fresh
                std::memcpy(m_blocks.back().get(), text.data(), text.size());
                m_used = k_block;
                return {m_blocks.back().get(), text.size()};
            }
        }
        char* at = m_blocks.back().get() + m_used;
        std::memcpy(at, text.data(), text.size());
        m_used += text.size();
        return {at, text.size()};
    }

  private:
    static constexpr size_t k_block = 64 * 1024;
    std::vector<std::unique_ptr<char[]>> m_blocks;
    size_t m_used = 0;
};

}  // namespace irsnap
