// SPDX-License-Identifier: Apache-2.0
// The descriptor walk's table, packed: a busy host has 10^5 open descriptors and the table is
// held from the network collector to the handles collector, so its size is the run's peak memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap {

/// One open descriptor as the walk saw it.
struct OpenHandle {
    int32_t pid = 0;
    int32_t fd = 0;
    uint32_t process = 0;     ///< index into HandleSnapshot::process_names
    uint32_t mode = 0;        ///< st_mode of the open file; 0 when not stat'ed (see has_stat)
    std::string_view target;  ///< the link text as the kernel shows it (raw bytes); read from a
                              ///< PackedHandles iterator, valid until the iterator moves
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    uint64_t position = 0;
    uint32_t nlink = 0;
    uint32_t flags = 0;     ///< open flags from fdinfo (O_*), valid when has_fdinfo
    int32_t mnt_id = -1;    ///< mount id from fdinfo, -1 when unknown
    bool has_stat = false;  ///< only path targets are stat'ed: sockets, pipes and anon inodes
                            ///< are fully named by their link text
    bool has_fdinfo = false;
    int32_t content = -1;  ///< deleted files and memfds: index into HandleSnapshot::contents
};

/// OpenHandle records in append-only blocks: integers as LEB128 varints (the pid as a delta), the
/// link text front-coded against the previous record's (descriptors of one process share long
/// prefixes: its directory, "socket:[", "/usr/lib/x86_64-linux-gnu/"). About a quarter of the
/// plain struct plus its text on a busy host. Read by iterating, in insertion order.
class PackedHandles {
  public:
    PackedHandles() = default;
    PackedHandles(PackedHandles&&) noexcept = default;
    PackedHandles& operator=(PackedHandles&&) noexcept = default;

    void push_back(const OpenHandle& h);
    size_t size() const { return m_count; }
    bool empty() const { return m_count == 0; }
    /// Bytes held, for the performance notes and tests.
    size_t bytes() const;

    /// Moves every record of `other` to the end of this table, adding the offsets to their
    /// process and content indices; `other`'s blocks are freed as they are read, so the two
    /// tables never both hold everything.
    void append_from(PackedHandles& other, uint32_t process_offset, int32_t content_offset);

    class const_iterator {
      public:
        using value_type = OpenHandle;
        using difference_type = std::ptrdiff_t;
        const OpenHandle& operator*() const { return m_current; }
        const OpenHandle* operator->() const { return &m_current; }
        const_iterator& operator++();
        bool operator==(const const_iterator& other) const { return m_left == other.m_left; }

      private:
        friend class PackedHandles;
        const_iterator(const PackedHandles* table, size_t left);
        void decode();

        const PackedHandles* m_table = nullptr;
        size_t m_block = 0;
        size_t m_offset = 0;
        size_t m_left = 0;  ///< records not yet passed; 0 is end()
        OpenHandle m_current;
        int32_t m_previous_pid = 0;
        std::string m_text;  ///< m_current.target points here
    };
    const_iterator begin() const { return const_iterator(this, m_count); }
    const_iterator end() const { return const_iterator(nullptr, 0); }

  private:
    struct Block {
        std::unique_ptr<char[]> data;
        size_t used = 0;
        size_t records = 0;
    };
    std::vector<Block> m_blocks;
    size_t m_count = 0;
    int32_t m_previous_pid = 0;  ///< of the last record written in the last block
    std::string m_previous_text;
    std::string m_scratch;  ///< one record being encoded
};

}  // namespace irsnap
