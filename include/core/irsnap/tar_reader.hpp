// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace irsnap {

/// A member as announced by its header, after pax `path` and `size` records were applied.
struct TarMember {
    std::string name;
    uint64_t size = 0;
    char typeflag = '0';  ///< '0' or '\0' file, '5' directory, anything else is passed on as is
    uint32_t mode = 0;
    int64_t mtime = 0;
    std::string linkname;
};

/// Told what the stream holds, in order. Data arrives in pieces of any size.
class TarVisitor {
  public:
    virtual ~TarVisitor() = default;
    virtual void begin(const TarMember& member) = 0;
    virtual void data(std::string_view bytes) = 0;
    virtual void end() = 0;  ///< the member's data arrived in full
};

/// Where and how a stream ended: the reader never needs the whole stream, so a connection that
/// dropped mid-member is described exactly (which member, how many of its bytes arrived).
struct TarEnd {
    bool end_marker = false;    ///< the two zero blocks were read: the writer finished
    std::string error;          ///< a malformed header: checksum, number field, pax record
    uint64_t offset = 0;        ///< bytes consumed when it ended (the error's or the cut's place)
    std::string last_complete;  ///< the last member whose data arrived in full, "" if none
    std::string cut_in;         ///< the member whose data or padding was cut, "" if none
    uint64_t cut_member_bytes = 0;  ///< of cut_in's data, how many bytes arrived
    uint64_t cut_member_size = 0;
    uint64_t members = 0;  ///< complete members (pax extended headers not counted)
    bool truncated() const { return !end_marker && error.empty(); }
    std::string describe() const;  ///< one sentence for reports
};

/// A streaming parser of ustar with pax extended headers ('x'; 'g' is read and ignored). Feed
/// it bytes as they come, then call finish() once the input ends. Pure: no I/O.
class TarReader {
  public:
    explicit TarReader(TarVisitor& visitor) : m_visitor(visitor) {}

    /// False once the stream ended (end marker or error); later bytes are not looked at.
    bool feed(std::string_view bytes);
    const TarEnd& finish();
    bool done() const { return m_state == State::done; }

  private:
    enum class State { header, data, padding, pax_data, second_zero, done };
    void on_header_block();
    void start_member(TarMember member);
    void apply_pax(std::string_view records, bool global);
    void fail(std::string message);

    TarVisitor& m_visitor;
    State m_state = State::header;
    std::string m_block;  ///< a header block being assembled
    std::string m_pax;    ///< pax records being assembled
    std::string m_pax_path;
    std::string m_pax_size;
    bool m_pax_global = false;
    TarMember m_member;
    uint64_t m_left = 0;           ///< data or padding bytes still to come
    uint64_t m_member_offset = 0;  ///< where the current header started
    TarEnd m_end;
};

/// Feeds `reader` from `fd` until the stream ends (end marker, error, or end of input); does not
/// call finish(). Returns 0, or the errno of a failed read.
int feed_from_fd(int fd, TarReader& reader);

}  // namespace irsnap
