// SPDX-License-Identifier: Apache-2.0
// What both platforms share once they know what to read: process memory read in large chunks
// with unreadable pages turned into recorded holes, dumps and regions streamed into encrypted
// ZIP members (never raw on disk) within their budgets, and one record per dump or region.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "irsnap/evidence_budget.hpp"
#include "irsnap/evidence_zip.hpp"
#include "irsnap/hash.hpp"
#include "memory.hpp"

namespace irsnap::collectors {

/// Reads the target's memory at `address` into `buffer`: returns the bytes read (fewer than
/// `size`, or 0, when an unreadable page follows) or -errno. ESRCH means the process is gone.
using MemoryRead = std::function<long(uint64_t address, char* buffer, size_t size)>;

/// Bytes of a dump in file order: literal bytes (headers, notes, padding) or a range of the
/// target's memory (a segment).
struct DumpPiece {
    std::string bytes;  ///< literal bytes (when !memory)
    bool memory = false;
    uint64_t address = 0;
    uint64_t size = 0;  ///< memory bytes (when memory)
    uint64_t length() const { return memory ? size : bytes.size(); }
};

/// What reading one memory piece found.
struct PieceRead {
    std::string sha256;       ///< of the piece's bytes as written (holes are zeros)
    uint64_t bytes_read = 0;  ///< from the target
    uint64_t unreadable = 0;  ///< bytes of holes (zeros written in their place)
    std::vector<std::pair<uint64_t, uint64_t>> holes;  ///< first k_max_listed_holes ranges
    bool complete = false;                             ///< the whole piece was read
};
inline constexpr size_t k_max_listed_holes = 16;
inline constexpr uint64_t k_page_size = 4096;

/// The bytes of a dump or region, produced piece by piece for EvidenceZipWriter::add: memory is
/// read in chunks of the caller's buffer, a failed read is retried page by page and each
/// unreadable page becomes zeros and a hole. Once the target is gone (ESRCH) or the run stops,
/// the rest is zeros without further reads. The pieces' digests are taken from the bytes as
/// they pass (digest()), in the same pass or later from a spool.
class PieceStream {
  public:
    PieceStream(std::vector<DumpPiece> pieces, MemoryRead read, const Context& ctx);
    /// The bytes in file order; `digest_now` also feeds them to digest().
    ZipSource source(bool digest_now = true);
    /// Takes the next bytes of the file (in order, from the start) into the pieces' digests.
    void digest(const char* data, size_t size);
    /// One entry per memory piece, in order (digests complete once every byte was digested).
    const std::vector<PieceRead>& reads() const { return m_reads; }
    bool target_gone() const { return m_gone; }
    bool stopped() const { return m_stopped; }
    uint64_t total_size() const;

  private:
    long next(char* buffer, size_t capacity);
    long read_memory(const DumpPiece& piece, PieceRead& state, char* buffer, size_t want);

    std::vector<DumpPiece> m_pieces;
    MemoryRead m_read;
    const Context& m_ctx;
    size_t m_index = 0;
    uint64_t m_offset = 0;      ///< within the current piece
    size_t m_memory_index = 0;  ///< the current memory piece's index in m_reads
    std::vector<PieceRead> m_reads;
    // digest(): its own position, since it may run behind the reading.
    std::vector<std::unique_ptr<Sha256>> m_digests;
    size_t m_digest_piece = 0;
    uint64_t m_digest_offset = 0;
    size_t m_digest_memory = 0;
    bool m_gone = false;
    bool m_stopped = false;
};

/// Scratch space that holds a dump encrypted (a random key that never leaves memory) while
/// the target is stopped, so the stop lasts as long as reading and a fast cipher take, not the
/// ZIP's compression and ZipCrypto; the ZIP is written from it after the target runs again.
/// Nothing of it is ever readable on disk, and it has no name (it vanishes when closed).
class DumpSpool {
  public:
    virtual ~DumpSpool() = default;
    /// Encrypts and appends; false (errno-style code in `error`) when the disk refuses.
    virtual bool append(const char* data, size_t size, int& error) = 0;
    /// Reads back and decrypts the next bytes from the start: count, 0 at the end, or -errno.
    virtual long read_back(char* buffer, size_t size) = 0;
};

/// One segment of a dump as the record lists it.
struct SegmentRecord {
    uint64_t start = 0, end = 0;
    std::string permissions;  ///< rwxp-style
    std::string path;         ///< the file behind it, escaped; "" for anonymous memory
    /// Why its bytes are not in the dump ("" when dumped): vvar, io_mapping, not_readable,
    /// budget, ...
    std::string skipped;
    std::optional<size_t> piece;  ///< index among the plan's memory pieces (dumped segments)
};

/// A whole-process dump as a platform plans it after stopping the process.
struct DumpPlan {
    int64_t pid = 0;
    std::string process;  ///< name, escaped
    std::string exe;      ///< program path, escaped
    bool escaped = false;
    std::set<DumpReason> reasons;
    std::string format;     ///< elf_core | minidump
    std::string extension;  ///< core | dmp
    std::vector<DumpPiece> pieces;
    std::vector<SegmentRecord> segments;
    int64_t threads = 0;
    bool frozen = false;
    std::string freeze_note;  ///< why not frozen, when asked to
    std::vector<std::string> notes;
};

/// The freeze window a platform measured around the write.
struct FreezeWindow {
    std::optional<int64_t> start_unix_ns;
    std::optional<double> milliseconds;
};

/// Measures a freeze from construction: the wall clock at the start, the steady clock for the
/// length (a clock step during the dump does not bend it).
class FreezeTimer {
  public:
    FreezeTimer();
    FreezeWindow stop() const;

  private:
    int64_t m_start_unix_ns;
    std::chrono::steady_clock::time_point m_start;
};

/// Wall-clock now, ns since the Unix epoch.
int64_t wall_clock_ns();

/// The run's two memory allowances (dumps; regions), each within its own total and never
/// closer than the reserve to a full output disk.
struct MemoryBudgets {
    explicit MemoryBudgets(const Context& ctx);
    EvidenceBudget dumps;
    EvidenceBudget regions;
    /// What the next dump may hold: --max-dump-bytes, the rest of the run's total, the disk.
    uint64_t dump_allowance(const Context& ctx) const;
    /// What bounds that allowance, as a skip reason: "disk_space" when the output's free space
    /// does, else "budget".
    std::string dump_limit(const Context& ctx) const;
};

/// What writing one dump gave.
struct DumpWrite {
    std::string status;  ///< dumped, partial, exited, interrupted, budget, disk_space, not_stored
    std::string note;
    std::string archive, member, sha256;
    uint64_t size = 0;
    std::vector<PieceRead> reads;  ///< per memory piece
};

/// Writes `plan` as the only member of the attachment `pid<PID>.zip` (stored in a stream,
/// deflated in a directory). Called while the target is stopped; calls `thaw` as soon as its
/// memory is read: through `spool` when given (then the ZIP is written after the thaw), else
/// after the member. The record comes after (emit_dump).
DumpWrite write_dump(const Context& ctx, RecordSink& sink, MemoryBudgets& budgets,
                     const DumpPlan& plan, const MemoryRead& read, DumpSpool* spool,
                     const std::function<void()>& thaw);
void emit_dump(RecordSink& sink, const DumpPlan& plan, const DumpWrite& written,
               const FreezeWindow& window);
/// A record for a process that was chosen but not dumped (denied, vanished, refused ...).
void emit_dump_refusal(RecordSink& sink, const DumpPlan& plan, const std::string& status,
                       const std::string& note);

/// Which segments fit `allowance` bytes of segment data, lowest `priority` first (platforms
/// pass 0 for anonymous memory, which exists nowhere else; 1 for writable file mappings; 2 for
/// read-only file mappings, also on disk); within a priority smallest first (address order
/// among equals), so the largest mappings are the ones left out. Pure.
std::vector<bool> segments_within(const std::vector<uint64_t>& sizes,
                                  const std::vector<int>& priority, uint64_t allowance);

/// What the pass over the processes saw, recorded first (kind "scan"): a host where no region
/// was found and nothing dumped still says how many processes were looked at.
struct MemoryScanSummary {
    int64_t processes_read = 0;    ///< processes whose memory map was read
    int64_t processes_denied = 0;  ///< processes whose memory map could not be read
    int64_t regions_found = 0;
    int64_t dumps_chosen = 0;
};
void emit_memory_scan(RecordSink& sink, const MemoryScanSummary& summary);

/// An anonymous executable region (or executable memfd mapping) of one process.
struct RegionPlan {
    int64_t pid = 0;
    std::string process, exe;  ///< escaped
    bool escaped = false;
    uint64_t start = 0, end = 0;
    std::string permissions;
    std::string backing;  ///< anonymous | memfd
    std::string path;     ///< the mapping's name ([heap], /memfd:x (deleted)), escaped
};

/// Captures the regions (every process's, as found) within --max-region-bytes per process and
/// --max-region-total-bytes, writable-and-executable first, into the collector's `zip`
/// attachment, and emits one record per region. `reader_for` opens a process's memory (null
/// MemoryRead: denied, with the note it sets).
void capture_regions(
    const Context& ctx, RecordSink& sink, MemoryBudgets& budgets, std::vector<RegionPlan> regions,
    const std::function<MemoryRead(int64_t pid, std::string& why_not)>& reader_for);

}  // namespace irsnap::collectors
