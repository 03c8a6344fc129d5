// SPDX-License-Identifier: Apache-2.0
// Internals of the Linux autoruns collector: reading the host tree (rooted at ctx.host_root, with
// symlinks resolved inside it) and turning parsed entries into records.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/preload_scan.hpp"
#include "irsnap/collector.hpp"
#include "irsnap/hash.hpp"

namespace irsnap::collectors::autoruns_impl {

/// Paths as the host sees them ("/etc/crontab"), resolved and opened under the host root. An
/// absolute symlink target is re-rooted and ".." stops at the root, so nothing outside the root
/// is ever read, whatever the image's links say.
class HostFs {
  public:
    explicit HostFs(const std::filesystem::path& root);
    /// Canonical host path with every symlink resolved inside the root; nullopt with `error`
    /// (errno) when a component is missing, unreadable or loops.
    std::optional<std::string> resolve(const std::string& host_path, int& error) const;
    /// Where a canonical host path is on our filesystem.
    std::string real(const std::string& canonical) const { return m_prefix + canonical; }

  private:
    std::string m_prefix;  ///< host root without trailing '/', empty for "/"
};

/// What Walker::read takes from a file besides its metadata.
enum class ReadText {
    none,    ///< metadata only (binaries that are hashed, not parsed)
    parse,   ///< the text of a file that is parsed; a cut at the read cap is an item error
    script,  ///< a shell script's text, at most k_max_script_bytes: a cut is noted in the
             ///< record, a read failure is an item error and a note, never a lost record
};

/// Bytes of a shell script read for its script_lines (a few hundred code lines fit many times).
inline constexpr size_t k_max_script_bytes = size_t{1} << 20;

/// A source file that was read: its text and metadata (of the file a symlink leads to).
struct Source {
    std::string path;  ///< host path as named in its directory, e.g. /etc/cron.d/job
    std::string text;
    struct stat st {};
    std::optional<std::string> link_target;  ///< when `path` itself is a symlink
    bool truncated = false;                  ///< ReadText::script: the text stops at the cap
    std::string text_error;                  ///< ReadText::script: why the text was not read
    /// A /proc or /sys file: its times are when the kernel made the inode, not a change, so
    /// the record's mtime and ctime are null.
    bool kernel_file = false;
};

/// How an entry's program is turned into target_path.
enum class TargetRule {
    none,       ///< no executable (module names, timers)
    self,       ///< the source file itself runs or is sourced
    command,    ///< first word of `command`, searched in the fixed PATH when not absolute
    udev,       ///< like command, but relative names live in /usr/lib/udev, /lib/udev
    path_only,  ///< `command` is a path (ld.so.preload); never searched
};

/// One autorun, before it becomes a record.
struct Entry {
    std::string category;
    std::optional<size_t> line;
    std::optional<std::string> user;  ///< the account it runs as, by name
    std::optional<int64_t> uid;       ///< when the name is not known, or to confirm it
    std::optional<std::string> command;
    std::optional<bool> enabled;
    nlohmann::json details = nlohmann::json::object();
    TargetRule target = TargetRule::none;
    std::string program;  ///< overrides the program taken from `command` when set
    bool script = false;  ///< a shell script read with ReadText::script: its code lines are kept
    std::optional<PreloadScan> preload;  ///< ld_so_preload: what the library's exports hook
};

struct Account {
    std::string name;
    int64_t uid = 0;
    std::string home;
};

/// Walks one host tree. Records are emitted in walk order (sorted directory listings, fixed
/// category order), each waiting for its target's digest in a bounded window.
class Walker {
  public:
    Walker(const Context& ctx, RecordSink& sink);
    ~Walker();

    const Context& ctx() const { return m_ctx; }
    RecordSink& sink() const { return m_sink; }
    const HostFs& fs() const { return m_fs; }
    /// Accounts from the host's /etc/passwd with distinct, absolute home directories.
    const std::vector<Account>& accounts() const { return m_accounts; }
    std::optional<int64_t> uid_of(const std::string& name) const;
    std::optional<std::string> name_of(int64_t uid) const;

    /// Sorted entry names of a host directory, and its canonical path in `canonical`. Empty when
    /// it is missing, or when `tag` has walked the same canonical directory already (/lib and
    /// /usr/lib are one directory on merged-/usr systems).
    std::vector<std::string> list(const std::string& dir, const std::string& tag,
                                  std::string& canonical);
    /// stat() of a host path's final target (inside the root); nullopt when missing.
    std::optional<struct stat> stat_path(const std::string& host_path);
    /// Reads a regular file (through symlinks inside the root). Missing: nullopt, silently;
    /// other failures become item errors (denials also counted for coverage). `text` says
    /// whether and how its text is read.
    std::optional<Source> read(const std::string& host_path, ReadText text = ReadText::parse);
    /// Records a parse problem of a source file (malformed lines counted per file).
    void malformed(const Source& source, size_t count);

    void add(const Source& source, Entry entry);
    /// Flushes what waits for digests and writes coverage notes.
    void finish();

  private:
    void resolve_target(const Entry& entry, nlohmann::json& record);
    std::optional<std::string> find_program(const std::string& program, TargetRule rule);
    void emit_front();

    struct Pending {
        nlohmann::json record;
        std::optional<std::shared_future<FileHash>> hash;
        /// The target's canonical host path for the package lookup, or why there is none.
        std::string package_path;
        std::string package_skip = "no target file";
    };

    const Context& m_ctx;
    RecordSink& m_sink;
    HostFs m_fs;
    std::vector<Account> m_accounts;
    std::map<std::string, int64_t> m_uids;
    std::map<int64_t, std::string> m_names;
    std::set<std::pair<std::string, std::string>> m_walked;
    std::deque<Pending> m_pending;
    uint64_t m_denied = 0;
};

/// `dir` + "/" + `name` for a canonical directory (which may be "/").
inline std::string child_path(const std::string& dir, const std::string& name) {
    return (dir == "/" ? std::string() : dir) + "/" + name;
}

/// Octal permission bits as text, e.g. "0755".
std::string mode_text(mode_t mode);
/// run-parts(8) runs only names made of [A-Za-z0-9_-]; cron.d follows the same rule.
bool run_parts_name(const std::string& name);

// Category walkers (autoruns_systemd_linux.cpp, autoruns_sources_linux.cpp).
void walk_systemd(Walker& w);
void walk_generators(Walker& w);
void walk_sysv(Walker& w);
void walk_cron(Walker& w);
void walk_shell_startup(Walker& w);
void walk_preload_and_modules(Walker& w);
void walk_udev(Walker& w);
void walk_xdg_autostart(Walker& w);
void walk_ssh_keys(Walker& w);
void walk_motd(Walker& w);
// Programs the kernel itself runs (autoruns_kernel_linux.cpp).
void walk_kernel_helpers(Walker& w);

}  // namespace irsnap::collectors::autoruns_impl
