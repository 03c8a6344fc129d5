// SPDX-License-Identifier: Apache-2.0
// The specimens of one run: candidates found by a platform's samples collector, each held open
// through the descriptor it was found by (a deleted file or memfd has no other way in), merged by
// file identity and then by content, copied most suspicious first within the budgets into one
// ZipCrypto archive, and recorded one record per distinct content.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "irsnap/collector.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/unique_fd.hpp"

namespace irsnap::collectors {

/// Why a file is copied, most suspicious first: the order the budget is spent in
/// (docs/specimens.md). The names are the record's `reasons`.
enum class SpecimenReason {
    requested,                 ///< --collect-file: the responder named it
    memfd,                     ///< runs or is held from memory only (memfd_create)
    deleted,                   ///< its file was unlinked while in use
    preload,                   ///< named by /etc/ld.so.preload, LD_PRELOAD or LD_AUDIT
    package_modified,          ///< differs from what its package installed (package_verdict)
    unowned_system_file,       ///< code in a system directory that no package installed
    temporary_place,           ///< under /tmp, /var/tmp, /dev/shm, /run/user; %TEMP%, Downloads ...
    hidden_directory,          ///< a path component starts with a dot
    world_writable_directory,  ///< its directory is writable by anyone
    unsigned_image,            ///< Windows: not Authenticode-verified (embedded or catalog)
    unsigned_module,           ///< a kernel module loaded unsigned or out of tree
    all_executables,           ///< --samples all-executables
};
std::string to_string(SpecimenReason reason);

/// Where a specimen was seen; one content may be seen through many.
struct SpecimenSource {
    std::string kind;  ///< exe | mapping | descriptor | preload_list | kernel_module | requested
    std::optional<int64_t> pid;
    std::string process;   ///< the process's name, when a process holds it
    std::string handle;    ///< "fd 5", "7f12a000-7f12b000", "" when read by path
    std::string path;      ///< the host path as the host names it (escaped when needed)
    std::string read_via;  ///< what was opened: /proc/PID/exe, /proc/PID/map_files/..., a path
    bool escaped = false;  ///< path or process held bytes that had to be escaped
    bool operator<(const SpecimenSource& o) const {
        return std::tie(kind, pid, handle, path, read_via) <
               std::tie(o.kind, o.pid, o.handle, o.path, o.read_via);
    }
};

/// A file found by a platform: its open descriptor (regular files only; fstat'ed by the finder).
struct SpecimenCandidate {
    UniqueFd fd;
    FileKey key;  ///< dev, inode, size, mtime from the descriptor's fstat
    std::set<SpecimenReason> reasons;
    SpecimenSource source;
};

/// Most files a run holds open at once while it decides what to copy; more distinct files are
/// recorded as not copied (status `too_many`).
inline constexpr size_t k_max_held_specimens = 2048;
/// Sources remembered per content (the count stays exact): a file held by every process of a
/// busy host must not cost memory per holder.
inline constexpr size_t k_max_kept_sources = 256;

class SpecimenSet {
  public:
    /// Takes the candidate, merging it with one of the same identity (its descriptor closed).
    void add(SpecimenCandidate candidate, RecordSink& sink);
    /// Adds a source to the file `key` names when it is already held (true), so a file seen
    /// through many processes is opened once.
    bool merge_known(const FileKey& key, const std::set<SpecimenReason>& reasons,
                     SpecimenSource source);
    /// The same by device and inode alone (a descriptor walk has no mtime).
    bool merge_known_inode(uint64_t dev, uint64_t ino, const std::set<SpecimenReason>& reasons,
                           SpecimenSource source);
    /// An empty regular file: nothing to hold or copy; all of them share one record.
    void add_empty(const std::set<SpecimenReason>& reasons, SpecimenSource source);
    /// A source that found nothing to read (denied, vanished): recorded as a specimen without
    /// content, so the record says what could not be copied and why.
    void add_unreadable(std::set<SpecimenReason> reasons, SpecimenSource source, std::string status,
                        std::string note);
    size_t size() const { return m_by_key.size(); }

    /// Hashes (reusing the run's hash cache), merges by content, chooses by reason and budget,
    /// writes the archive as the sink's `zip` attachment and emits one record per content.
    void finish(const Context& ctx, RecordSink& sink);

  private:
    struct Held {
        UniqueFd fd;
        FileKey key;
        std::set<SpecimenReason> reasons;
        std::set<SpecimenSource> sources;  ///< the first k_max_kept_sources
        uint64_t source_count = 0;
    };
    static void merge(Held& held, const std::set<SpecimenReason>& reasons, SpecimenSource source);
    std::map<FileKey, Held> m_by_key;
    std::map<std::pair<uint64_t, uint64_t>, FileKey> m_by_inode;
    Held m_empty;
    size_t m_not_held = 0;
    struct Unreadable {
        std::set<SpecimenReason> reasons;
        SpecimenSource source;
        std::string status, note;
    };
    std::vector<Unreadable> m_unreadable;
};

/// The fields every specimen record has, for the samples specs of both platforms.
std::vector<FieldSpec> specimen_fields();

}  // namespace irsnap::collectors
