// SPDX-License-Identifier: Apache-2.0
// Loaded code per process from /proc/PID/maps. Each process is read through one directory fd, so
// a recycled pid cannot splice two processes into one record; files are hashed through
// /proc/PID/map_files (the mapping's own file, even when deleted) or, failing that, from their
// path under the host root when its device and inode still match the mapping.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/hash_window.hpp"
#include "common/ordered_parallel.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/hash_open.hpp"
#include "irsnap/linux/proc_maps.hpp"
#include "irsnap/linux/procfs.hpp"
#include "irsnap/text.hpp"
#include "modules.hpp"

namespace irsnap::collectors {
namespace {

using nlohmann::json;
using procfs::MapsEntry;

// Records wait for their digest in this window; most are cache hits (shared libraries).
constexpr size_t k_pending_window = 256;
// Processes read ahead of the writer: enough to keep the workers busy, few enough that whole
// processes' records in flight stay small next to the records waiting for digests.
constexpr size_t k_workers_ahead = 8;
// max_map_count (65530) lines of ~100 bytes; a larger file is reported, not read further.
constexpr size_t k_max_maps_bytes = 16u << 20;
constexpr std::string_view k_deleted_suffix = " (deleted)";

struct Coverage {
    uint64_t maps_denied = 0;
    uint64_t map_files_denied = 0;
};

/// The ranges of one mapped file in one process.
struct FileGroup {
    std::string raw_path;
    uint32_t major = 0;
    uint32_t minor = 0;
    uint64_t inode = 0;
    json ranges = json::array();
    uint64_t size = 0;
    bool executable = false;
    uint64_t first_start = 0;
    uint64_t first_end = 0;
};

std::string hex(uint64_t value) {
    return fmt::format("0x{:x}", value);
}

json range_json(const MapsEntry& e) {
    return json{
        {"start", hex(e.start)}, {"end", hex(e.end)}, {"perms", e.perms}, {"offset", e.offset}};
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// SysV shared memory and shared anonymous mappings show as deleted files on the internal shm
/// mount: memory, possibly gigabytes of a database's cache, not code on disk.
bool is_shared_memory(std::string_view raw) {
    return ends_with(raw, k_deleted_suffix) &&
           (raw.rfind("/SYSV", 0) == 0 || raw == "/dev/zero (deleted)");
}

class ModulesReader {
  public:
    /// A record, the digest it waits for, and how its file is looked up in the package index.
    struct Output {
        json record;
        std::optional<std::shared_future<FileHash>> hash;
        std::optional<HashWindow::PackageLookup> lookup;
    };

    ModulesReader(const Context& ctx, RecordSink& sink, Coverage& coverage)
        : m_ctx(ctx), m_sink(sink), m_coverage(coverage), m_root_check(ctx) {}

    /// Records of the last read(), in order; the caller takes them.
    std::vector<Output>& output() { return m_output; }

    /// Reads and queues one process's records; false when it vanished (a race).
    bool read(int proc_fd, const std::string& pid_text) {
        m_path = "/proc/" + pid_text;
        m_escaped.clear();
        m_map_files_denied = false;
        auto dir = posix::open_dir_at(proc_fd, pid_text);
        if (!dir) return handle_error(dir.error(), "");
        const int fd = dir->get();
        // A container's libraries are its image's, not files of the host's packages.
        m_other_root = m_root_check.other_root(fd);
        auto maps = posix::read_file_at(fd, "maps", k_max_maps_bytes);
        if (!maps) return handle_error(maps.error(), "maps");
        // Kernel threads and zombies have no address space: nothing loaded, nothing to say.
        if (maps->empty()) return true;
        if (maps->size() >= k_max_maps_bytes) {
            m_sink.item_error(
                ItemError::from_errno("read", EFBIG, m_path + "/maps",
                                      "larger than the read limit: later mappings are missing"));
        }
        size_t malformed = 0;
        const auto entries = procfs::parse_proc_pid_maps(*maps, &malformed);
        if (malformed > 0) {
            m_sink.item_error(ItemError::without_code(
                "parse", m_path + "/maps", fmt::format("{} malformed line(s) skipped", malformed)));
        }
        m_pid = std::strtoll(pid_text.c_str(), nullptr, 10);
        m_name = nullptr;
        if (auto comm = posix::read_file_at(fd, "comm")) {
            std::string_view name = *comm;
            if (!name.empty() && name.back() == '\n') name.remove_suffix(1);
            m_name = text("process_name", name);
        }
        const std::vector<std::string> name_escaped = m_escaped;

        std::vector<FileGroup> files;
        std::map<std::tuple<std::string, uint32_t, uint32_t, uint64_t>, size_t> index;
        json anon_ranges = json::array();
        uint64_t anon_size = 0;
        int64_t writable_executable = 0;
        for (const MapsEntry& e : entries) {
            switch (procfs::maps_backing(e.pathname)) {
                case procfs::MapsBacking::kernel:
                    continue;
                case procfs::MapsBacking::anonymous:
                    if (e.executable()) {
                        json range = range_json(e);
                        range["name"] = e.pathname;
                        anon_ranges.push_back(std::move(range));
                        anon_size += e.size();
                        if (e.writable()) ++writable_executable;
                    }
                    continue;
                case procfs::MapsBacking::file:
                    break;
            }
            auto key = std::make_tuple(e.pathname, e.dev_major, e.dev_minor, e.inode);
            auto [it, inserted] = index.try_emplace(key, files.size());
            if (inserted) {
                files.push_back({e.pathname, e.dev_major, e.dev_minor, e.inode});
                files.back().first_start = e.start;
                files.back().first_end = e.end;
            }
            FileGroup& g = files[it->second];
            g.ranges.push_back(range_json(e));
            g.size += e.size();
            g.executable = g.executable || e.executable();
        }
        for (FileGroup& g : files) {
            m_escaped = name_escaped;
            queue_file(fd, g);
        }
        if (!anon_ranges.empty()) {
            m_escaped = name_escaped;
            json r = base_record("anonymous_executable");
            r["path"] = nullptr;
            // No file behind these ranges: nothing deleted, nothing to hash (null, not absent).
            for (auto key : {"deleted", "memfd", "sha256", "hash_note"}) r[key] = nullptr;
            r["anonymous_executable_count"] = static_cast<int64_t>(anon_ranges.size());
            r["writable_executable_count"] = writable_executable;
            r["size_bytes"] = anon_size;
            r["executable"] = true;
            r["ranges"] = std::move(anon_ranges);
            finish(r);
            m_output.push_back({std::move(r), std::nullopt, std::nullopt});
        }
        if (m_map_files_denied) ++m_coverage.map_files_denied;
        return true;
    }

  private:
    /// Races return false (the caller counts them), denials are counted, the rest reported.
    bool handle_error(const ItemError& e, const std::string& item) {
        if (posix::is_race_errno(e.code)) return false;
        if (posix::is_denied_errno(e.code)) {
            ++m_coverage.maps_denied;
        } else {
            m_sink.item_error(e.at(item.empty() ? m_path : m_path + "/" + item));
        }
        return true;
    }

    json text(const char* field, std::string_view bytes) {
        bool escaped = false;
        std::string out = escape_bytes(bytes, escaped);
        if (escaped && std::find(m_escaped.begin(), m_escaped.end(), field) == m_escaped.end()) {
            m_escaped.emplace_back(field);
        }
        return out;
    }

    json base_record(const char* kind) {
        json r = json::object();
        r["kind"] = kind;
        r["pid"] = m_pid;
        r["process_name"] = m_name;
        return r;
    }

    void finish(json& r) {
        if (!m_escaped.empty()) r["escaped_fields"] = m_escaped;
    }

    void queue_file(int pid_fd, FileGroup& g) {
        json r = base_record("file");
        const bool suffix = ends_with(g.raw_path, k_deleted_suffix);
        const std::string stripped =
            suffix ? g.raw_path.substr(0, g.raw_path.size() - k_deleted_suffix.size()) : g.raw_path;
        r["ranges"] = std::move(g.ranges);
        r["size_bytes"] = g.size;
        r["executable"] = g.executable;
        r["device"] = fmt::format("{}:{}", g.major, g.minor);
        r["inode"] = g.inode;
        r["memfd"] = procfs::is_memfd_pathname(g.raw_path);
        r["sha256"] = nullptr;
        r["hash_note"] = nullptr;
        std::optional<std::shared_future<FileHash>> hash;
        std::string path = suffix ? stripped : g.raw_path;
        bool deleted = suffix;  // a hint until st_nlink says otherwise
        // The same library in the next process: maps already named its device and inode, so
        // reuse what the first process's mapping resolved to instead of a stat per process.
        const MapsKey key{g.major, g.minor, g.inode, g.raw_path};
        if (auto known = m_by_maps.find(key); known != m_by_maps.end()) {
            hash = known->second.hash;
            path = known->second.path;
            deleted = known->second.deleted;
            r["hash_note"] = known->second.note;
        } else {
            if (is_shared_memory(g.raw_path)) {
                r["hash_note"] = "shared memory object, not a file";
            } else if (!via_map_files(pid_fd, g, r, hash, path, deleted)) {
                via_host_path(g, stripped, suffix, r, hash, path, deleted);
            }
            // Deleted files and memfds are per process (two memfds may share a name and an
            // inode number on different tmpfs instances only in theory): not cached.
            if (!deleted && hash) m_by_maps[key] = {hash, path, deleted, r["hash_note"]};
        }
        r["path"] = text("path", path);
        r["deleted"] = deleted;
        finish(r);
        HashWindow::PackageLookup lookup{path, {}};
        if (procfs::is_memfd_pathname(g.raw_path)) {
            lookup.skip = "memfd: no file on disk";
        } else if (deleted) {
            lookup.skip = "deleted since it was mapped (package upgrades replace files this way)";
        } else if (is_shared_memory(g.raw_path)) {
            lookup.skip = "shared memory, not a file";
        } else if (m_other_root) {
            lookup.skip = "process runs in another root file system (a container)";
        }
        if (lookup.path.empty() || lookup.path.front() != '/') lookup.skip = "no file path";
        m_output.push_back({std::move(r), std::move(hash), std::move(lookup)});
    }

    /// Through the mapping's own file. False when map_files cannot be used (denied, absent).
    bool via_map_files(int pid_fd, const FileGroup& g, json& r,
                       std::optional<std::shared_future<FileHash>>& hash, std::string& path,
                       bool& deleted) {
        const std::string link = fmt::format("map_files/{:x}-{:x}", g.first_start, g.first_end);
        struct stat st {};
        if (::fstatat(pid_fd, link.c_str(), &st, 0) != 0) {
            if (posix::is_denied_errno(errno)) m_map_files_denied = true;
            return false;
        }
        // Inode only: btrfs and overlayfs report other device numbers to stat than in maps.
        if (st.st_ino != g.inode) return false;  // remapped since maps was read
        deleted = st.st_nlink == 0;
        // Only a real unlink removes the kernel's suffix: a file may be named "x (deleted)".
        if (!deleted) path = g.raw_path;
        if (!S_ISREG(st.st_mode)) {
            r["hash_note"] = "not a regular file";
            return true;
        }
        submit(pid_fd, link, true, st, r, hash);
        return true;
    }

    /// The path under the host root, accepted only while it still holds the mapped inode.
    void via_host_path(const FileGroup& g, const std::string& stripped, bool suffix, json& r,
                       std::optional<std::shared_future<FileHash>>& hash, std::string& path,
                       bool& deleted) {
        // With the suffix, the file may really be named so: try the raw name first.
        std::vector<std::string> candidates{g.raw_path};
        if (suffix) candidates.push_back(stripped);
        bool differs = false;
        for (const auto& candidate : candidates) {
            if (candidate.empty() || candidate.front() != '/') continue;
            const std::string full = m_ctx.host_path(candidate.substr(1)).string();
            struct stat st {};
            if (::fstatat(AT_FDCWD, full.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            if (major(st.st_dev) != g.major || minor(st.st_dev) != g.minor ||
                st.st_ino != g.inode) {
                differs = true;
                continue;
            }
            path = candidate;
            deleted = false;
            if (!S_ISREG(st.st_mode)) {
                r["hash_note"] = "not a regular file";
                return;
            }
            submit(AT_FDCWD, full, false, st, r, hash);
            return;
        }
        if (differs) {
            r["hash_note"] = "file on disk differs from the mapped one";
            return;
        }
        std::string note = procfs::is_memfd_pathname(g.raw_path) ? "memfd (no file on disk)"
                           : suffix                              ? "deleted from disk"
                                                                 : "not found on disk";
        if (m_map_files_denied)
            note += ", and /proc/PID/map_files was denied (needs CAP_SYS_ADMIN)";
        r["hash_note"] = note;
    }

    void submit(int dirfd, const std::string& name, bool follow, const struct stat& pre, json& r,
                std::optional<std::shared_future<FileHash>>& hash) {
        if (!m_ctx.hashes) {
            r["hash_note"] = "hashing disabled (--no-hash)";
            return;
        }
        // A library mapped by hundreds of processes is opened once: the stat identifies it.
        auto seen = m_seen.find(posix::file_key(pre));
        if (seen != m_seen.end()) {
            hash = seen->second;
            return;
        }
        struct stat st {};
        auto fd = posix::open_regular_for_hash(dirfd, name, follow, st);
        if (!fd) {
            const int code = fd.error().code;
            if (posix::is_denied_errno(code)) {
                r["hash_note"] = "denied";
            } else if (!posix::is_race_errno(code)) {
                r["hash_note"] = fd.error().message;
                m_sink.item_error(
                    {fd.error().domain, "open", code, m_path + "/" + name, fd.error().message});
            } else {
                r["hash_note"] = "file went away while being opened";
            }
            return;
        }
        const FileKey key = posix::file_key(st);
        hash = m_ctx.hashes->submit(fd->release(), key);
        m_seen.emplace(key, *hash);
    }

    const Context& m_ctx;
    RecordSink& m_sink;
    Coverage& m_coverage;
    std::vector<Output> m_output;
    RootCheck m_root_check;
    bool m_other_root = false;  ///< the current process runs in another root (a container)
    std::map<FileKey, std::shared_future<FileHash>> m_seen;
    struct MapsKey {
        uint32_t major, minor;
        uint64_t inode;
        std::string path;
        // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
        auto operator<=>(const MapsKey&) const = default;
    };
    struct Resolved {
        std::optional<std::shared_future<FileHash>> hash;
        std::string path;
        bool deleted;
        json note;
    };
    std::map<MapsKey, Resolved> m_by_maps;
    std::string m_path;
    int64_t m_pid = 0;
    json m_name;
    std::vector<std::string> m_escaped;
    bool m_map_files_denied = false;
};

}  // namespace

void collect_modules(const Context& ctx, RecordSink& sink) {
    auto proc = posix::open_dir_at(AT_FDCWD, ctx.proc_root.string());
    if (!proc) {
        throw std::runtime_error("cannot open " + ctx.proc_root.string() + ": " +
                                 proc.error().message);
    }
    std::vector<std::string> pids;
    for (int32_t pid : posix::numeric_entries(proc->get())) pids.push_back(std::to_string(pid));
    // Each worker resolves and hashes a shared library once for itself.
    const size_t threads = ctx.worker_threads(pids.size());
    struct Worker {
        Worker(const Context& ctx) : reader(ctx, errors, coverage) {}
        ErrorBuffer errors;
        Coverage coverage;
        ModulesReader reader;
    };
    std::vector<std::unique_ptr<Worker>> workers;
    for (size_t i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(ctx));
    struct Item {
        bool raced = false;
        std::vector<ModulesReader::Output> records;
        std::vector<ItemError> errors;
    };
    HashWindow window(sink, k_pending_window, "sha256", "hash_note");
    window.check_packages(ctx, "");
    auto produce = [&](size_t worker, size_t index) {
        Worker& w = *workers[worker];
        Item item;
        w.reader.output().clear();
        item.raced = !w.reader.read(proc->get(), pids[index]);
        item.records = std::move(w.reader.output());
        w.reader.output().clear();
        item.errors = w.errors.take();
        return item;
    };
    auto consume = [&](Item&& item) {
        for (auto& e : item.errors) sink.item_error(std::move(e));
        for (auto& o : item.records) {
            window.push(std::move(o.record), std::move(o.hash), std::move(o.lookup));
        }
        if (item.raced) sink.race();
    };
    ordered_parallel<Item>(pids.size(), threads, k_workers_ahead, produce, consume,
                           [&] { return ctx.should_stop(); });
    window.flush();
    Coverage coverage;
    for (const auto& w : workers) {
        coverage.maps_denied += w->coverage.maps_denied;
        coverage.map_files_denied += w->coverage.map_files_denied;
    }

    const bool root = geteuid() == 0;
    if (coverage.maps_denied > 0) {
        sink.coverage(fmt::format("/proc/PID/maps denied for {} process(es){}",
                                  coverage.maps_denied,
                                  root ? " (kernel or LSM policy denies even root)"
                                       : ": run as root (ptrace read access) for full coverage"));
    }
    if (coverage.map_files_denied > 0) {
        sink.coverage(fmt::format(
            "/proc/PID/map_files denied for {} process(es) (needs CAP_SYS_ADMIN): deleted "
            "files and memfds there are not hashed; other files are hashed by path when "
            "device and inode match",
            coverage.map_files_denied));
    }
}

}  // namespace irsnap::collectors
