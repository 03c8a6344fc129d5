// SPDX-License-Identifier: Apache-2.0
// Copied host content (specimens, files) goes into the bundle only inside ZIP archives encrypted
// with the password "infected": the convention malware exchanges and sandboxes use. ZipCrypto
// keeps antivirus and people from opening a specimen by accident; it is not protection against an
// adversary (docs/specimens.md). Nothing copied is ever written in the clear.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "irsnap/artifact_writer.hpp"

namespace irsnap {

inline constexpr const char* k_evidence_zip_password = "infected";

/// One member to be written: its ASCII name, exactly how many bytes it will hold and its mtime.
/// Sizes are fixed before any byte is read, so a tar stream can announce the archive's size
/// first (evidence_zip_size) and a file that grows while read is cut at the size fstat gave.
struct ZipMemberPlan {
    std::string name;
    uint64_t size = 0;
    int64_t mtime_unix = 0;
};

/// The exact size of the archive that holds `members` in this order. Stored (not compressed)
/// entries make the archive's size the sum of the sizes plus a per-member overhead that depends
/// only on the names; it is measured by writing the same archive with at most one byte a member.
uint64_t evidence_zip_size(const std::vector<ZipMemberPlan>& members);

/// Reads the next bytes of a member's source into `buffer`: returns how many (0 at the end) or
/// -errno.
using ZipSource = std::function<long(char* buffer, size_t capacity)>;

/// What one member holds.
struct ZipMemberResult {
    std::string sha256;          ///< of the member's bytes (what `irsnap extract` re-hashes)
    uint64_t bytes_read = 0;     ///< from the source; less than the plan's size when it ended early
    int error = 0;               ///< errno of a failed read (the rest of the member is zeros)
    bool ended_early = false;    ///< the source had fewer bytes than planned: zeros fill the member
    bool more_remained = false;  ///< the source had more bytes than planned: the member is cut
};

/// How members are kept: stored (the archive's size is known in advance: what a tar stream
/// needs) or deflated at the fastest level (memory dumps in a directory bundle: mostly zeros).
enum class ZipCompression { store, deflate_fast };

/// Writes members into an ArtifactWriter as one ZipCrypto archive, streaming (libarchive writes
/// a data descriptor and never seeks).
class EvidenceZipWriter {
  public:
    /// `out` outlives the writer. Throws OutputError when the archive cannot be started.
    explicit EvidenceZipWriter(ArtifactWriter& out,
                               ZipCompression compression = ZipCompression::store);
    ~EvidenceZipWriter();
    EvidenceZipWriter(const EvidenceZipWriter&) = delete;
    EvidenceZipWriter& operator=(const EvidenceZipWriter&) = delete;

    /// Adds one member of exactly `plan.size` bytes from `source`. Throws OutputError when the
    /// bundle cannot be written.
    ZipMemberResult add(const ZipMemberPlan& plan, const ZipSource& source);
    /// Writes the central directory. Throws OutputError.
    void close();
    uint64_t members() const { return m_members; }

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    uint64_t m_members = 0;
};

}  // namespace irsnap
