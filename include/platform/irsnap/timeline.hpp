// SPDX-License-Identifier: Apache-2.0
// The file-system timeline of the places malware lands (the `timeline` collector): what one
// entry is, which directories are walked and how much of each, and what a walk reports. The walk
// itself is per OS (linux/timeline_walk.hpp, windows/timeline_walk_windows.hpp); everything here
// is pure and built on both, so it is tested with literal input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsnap/host_view.hpp"
#include "irsnap/result.hpp"

namespace irsnap::timeline {

/// What a directory entry is, never what a symlink points to.
enum class FileType : uint8_t {
    regular,
    directory,
    symlink,
    fifo,
    socket,
    char_device,
    block_device,
    unknown
};

/// "regular", "directory", "symlink", "fifo", "socket", "char_device", "block_device", "unknown".
std::string_view type_name(FileType type);
/// The type in a POSIX st_mode's S_IFMT bits (octal values as Linux and TSK define them; written
/// as numbers so the Windows build reads them the same).
FileType type_of_mode(uint32_t st_mode);
/// The letter `ls -l` and the bodyfile start the mode with: - d l p s c b, '?' for unknown.
char type_letter(FileType type);
/// `ls -l` style mode text of a POSIX st_mode: "-rwxr-xr-x", "drwxrwxrwt", "-rwsr-xr-x"
/// (setuid s/S, setgid s/S, sticky t/T in the execute places).
std::string mode_string(uint32_t st_mode);

/// How much of a walk root is recorded.
enum class Scope : uint8_t {
    all,      ///< every entry
    changed,  ///< only entries changed within the --recent-days window (the walk still visits
              ///< every directory to find them)
};
/// "all" or "changed_in_window": the records' `walk_scope`.
std::string_view scope_name(Scope scope);

/// One directory the walk starts from.
struct Root {
    std::string path;  ///< as the host names it: "/tmp", "C:\\Windows\\Temp"
    Scope scope = Scope::all;
};

/// One entry as the file system reports it, without following it when it is a link.
struct Entry {
    std::string path;  ///< host path: raw bytes on Linux (callers escape), UTF-8 on Windows
    FileType type = FileType::unknown;
    std::optional<uint64_t> inode;  ///< Linux st_ino; Windows the NTFS file id
    std::optional<uint32_t> mode;   ///< POSIX st_mode (type and permission bits); Linux only
    std::optional<int64_t> uid, gid;
    std::optional<uint64_t> size;
    std::optional<uint64_t> links;                                  ///< hard links; Linux only
    std::optional<int64_t> atime_ns, mtime_ns, ctime_ns, btime_ns;  ///< since the Unix epoch
    std::optional<std::string> link_target;                         ///< a symlink's text
    std::optional<uint32_t> attributes;  ///< Windows FILE_ATTRIBUTE_* bits
};

/// True when the entry's content, metadata or birth changed at or after `since_ns` (its mtime,
/// ctime or birth time). The access time is left out: reading a file is no change.
bool changed_since(const Entry& entry, int64_t since_ns);

/// The names of the FILE_ATTRIBUTE_* bits an analyst looks for (hidden, system, readonly ...),
/// in bit order; unknown bits as "0x...".
std::vector<std::string> windows_attribute_names(uint32_t attributes);

/// The bounds of one walk.
struct Limits {
    uint64_t max_records = 200000;  ///< entries recorded over all roots
    int64_t since_ns = 0;           ///< start of the --recent-days window (Scope::changed)
    size_t max_depth = 128;         ///< directory levels below a root (one descriptor a level)
    /// Subdirectories remembered per directory while its entries are read; more are not entered.
    size_t max_subdirs_per_dir = 100000;
};

/// Who hears the entries and failures of a walk (the collector: records, item errors, races).
class Visitor {
  public:
    virtual ~Visitor() = default;
    virtual void entry(const Root& root, const Entry& entry) = 0;
    virtual void error(ItemError error) = 0;
    /// The entry vanished or was replaced between listing and looking: counted, not an error.
    virtual void race() = 0;
};

/// A count and the first few examples of something the walk did not see.
struct Examples {
    uint64_t count = 0;
    std::vector<std::string> first;
    void add(std::string example, size_t keep = 5);
    /// "3 (first: /a, /b, /c)" or "7 (first: /a, /b, /c, /d, /e and 2 more)"; a path that is
    /// not UTF-8 is escaped as in records (\xHH).
    std::string text() const;
};

/// Why a walk ended before its last root was done.
enum class Stop : uint8_t { none, max_records, should_stop };

/// What happened to one root.
struct RootReport {
    Root root;
    /// walked, stopped (the walk ended inside it), not_reached, missing (or not a directory),
    /// duplicate (the same directory as an earlier root, named in `detail`), skipped_fs (on a
    /// network, FUSE or pseudo file system: not walked), denied, failed
    std::string status = "not_reached";
    std::string detail;  ///< the other root of a duplicate, the file system type, the error
    uint64_t records = 0;
    uint64_t visited = 0;
    double seconds = 0;
};

/// Everything a walk tells besides its entries: the basis of the coverage notes.
struct Report {
    std::vector<RootReport> roots;
    uint64_t records = 0;
    uint64_t visited = 0;
    Stop stop = Stop::none;
    std::string stopped_in;  ///< the directory being read when the walk stopped
    Examples denied;         ///< directories or entries not readable
    Examples other_fs;       ///< mount points inside a root, not entered
    Examples too_deep;       ///< directories below Limits::max_depth
    Examples too_wide;       ///< subdirectories past Limits::max_subdirs_per_dir
};

/// The coverage notes of a report, one line each: where and why the walk stopped and which
/// roots it never reached, what was denied, file systems and depths not entered, roots on
/// network file systems. Empty when the walk saw everything it set out to see.
std::vector<std::string> coverage_notes(const Report& report, const Limits& limits);

/// The bookkeeping both per-OS walks share: the report's counts, each root's scope, the record
/// limit and the stop check (the deadline or Ctrl-C, read every few entries).
class WalkState {
  public:
    WalkState(const HostView& host, const Limits& limits, Visitor& visitor, Report& report);
    /// Counts a visited entry and hands it to the visitor when the root's scope records it.
    /// False once the walk must end (record limit, deadline, cancel); `where` is the directory.
    bool offer(RootReport& root, const Entry& entry, const std::string& where);
    /// True when the deadline passed or the run was cancelled (checked at most every 64 calls
    /// unless `now`); records where.
    bool stopping(const std::string& where, bool now = false);
    bool stopped() const { return m_report.stop != Stop::none; }
    const Limits& limits() const { return m_limits; }
    Visitor& visitor() { return m_visitor; }
    Report& report() { return m_report; }

  private:
    const HostView& m_host;
    const Limits& m_limits;
    Visitor& m_visitor;
    Report& m_report;
    unsigned m_tick = 0;
};

/// The Windows roots, in walk order (most likely landing places first, unbounded ones last):
/// <windows>\Temp, each profile's AppData\Local\Temp, `temp_dirs` (the TEMP and TMP a user's
/// environment names, when elsewhere), the Public profile, ProgramData (all entries),
/// <windows>\System32 and SysWOW64 (changed within the window), then each profile's AppData
/// (all entries). Empty inputs and repeated paths (compared without case) are left out.
std::vector<Root> windows_roots(const std::string& windows_dir, const std::string& program_data,
                                const std::string& public_dir,
                                const std::vector<std::string>& profile_dirs,
                                const std::vector<std::string>& temp_dirs = {});

}  // namespace irsnap::timeline
