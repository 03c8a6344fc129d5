// SPDX-License-Identifier: Apache-2.0
// Linux autoruns: the host tree (live "/" or a mounted image) read through HostFs, entries turned
// into records by Walker. The category walkers live in autoruns_*_linux.cpp.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "autoruns.hpp"
#include "autoruns_walk.hpp"
#include "common/package_fields.hpp"
#include "irsnap/clock.hpp"
#include "irsnap/hash_cache.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"
#include "irsnap/linux/fd_util.hpp"
#include "irsnap/linux/users.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors {
namespace autoruns_impl {
namespace {

using nlohmann::json;

constexpr size_t k_pending_window = 64;
constexpr int k_max_symlinks = 40;  // as the kernel's own limit
constexpr const char* k_search_path[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                         "/usr/bin",        "/sbin",          "/bin"};
constexpr const char* k_udev_dirs[] = {"/usr/lib/udev", "/lib/udev"};

std::deque<std::string> split_path(std::string_view path) {
    std::deque<std::string> out;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > start) out.emplace_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

int64_t ns_of(const timespec& ts) {
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Escapes every string in a details object, naming it once when anything needed escaping.
void escape_strings(json& value, bool& escaped) {
    if (value.is_string()) {
        bool e = false;
        value = escape_bytes(value.get_ref<const std::string&>(), e);
        escaped = escaped || e;
    } else if (value.is_structured()) {
        for (auto& v : value) escape_strings(v, escaped);
    }
}

}  // namespace

HostFs::HostFs(const std::filesystem::path& root) : m_prefix(root.string()) {
    while (!m_prefix.empty() && m_prefix.back() == '/') m_prefix.pop_back();
}

std::optional<std::string> HostFs::resolve(const std::string& host_path, int& error) const {
    std::deque<std::string> todo = split_path(host_path);
    std::vector<std::string> done;
    int links = 0;
    auto joined = [&](const std::string& last) {
        std::string p;
        for (const auto& c : done) p += "/" + c;
        return p + "/" + last;
    };
    while (!todo.empty()) {
        std::string part = std::move(todo.front());
        todo.pop_front();
        if (part == ".") continue;
        if (part == "..") {
            if (!done.empty()) done.pop_back();  // ".." at the root stays at the root
            continue;
        }
        const std::string candidate = joined(part);
        struct stat st {};
        if (::lstat(real(candidate).c_str(), &st) != 0) {
            error = errno;
            return std::nullopt;
        }
        if (!S_ISLNK(st.st_mode)) {
            done.push_back(std::move(part));
            continue;
        }
        if (++links > k_max_symlinks) {
            error = ELOOP;
            return std::nullopt;
        }
        auto target = posix::read_link_at(AT_FDCWD, real(candidate));
        if (!target) {
            error = target.error().code;
            return std::nullopt;
        }
        if (!target->empty() && target->front() == '/') done.clear();  // re-rooted, not followed
        auto parts = split_path(*target);
        todo.insert(todo.begin(), parts.begin(), parts.end());
    }
    std::string out;
    for (const auto& c : done) out += "/" + c;
    return out.empty() ? "/" : out;
}

std::string mode_text(mode_t mode) {
    return fmt::format("{:04o}", static_cast<unsigned>(mode & 07777));
}

bool run_parts_name(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

Walker::Walker(const Context& ctx, RecordSink& sink)
    : m_ctx(ctx), m_sink(sink), m_fs(ctx.host_root) {
    // The host's own accounts (never NSS): names for uids, and the homes to look into.
    int error = 0;
    auto passwd = m_fs.resolve("/etc/passwd", error);
    if (!passwd) return;
    bool truncated = false;
    auto text = posix::read_file_at(AT_FDCWD, m_fs.real(*passwd), users::k_max_account_file_bytes,
                                    &truncated);
    if (!text) {
        // A FIFO or device planted there is refused, not waited on: home autoruns unknown.
        if (text.error().code != ENOENT) {
            m_sink.item_error({text.error().domain, text.error().stage, text.error().code,
                               "/etc/passwd",
                               text.error().message + ": accounts' homes not searched"});
        }
        return;
    }
    if (truncated) {
        m_sink.item_error(
            ItemError::from_errno("read", EFBIG, "/etc/passwd",
                                  fmt::format("larger than {} bytes: only the start was read",
                                              users::k_max_account_file_bytes)));
    }
    std::set<std::string> homes;
    for (auto& e : users::parse_etc_passwd(*text)) {
        m_uids.emplace(e.name, e.uid);
        m_names.emplace(e.uid, e.name);
        // Shared or placeholder homes ("/", /nonexistent) are looked into once, for the first.
        if (e.home.empty() || e.home.front() != '/' || e.home == "/") continue;
        if (homes.insert(e.home).second) m_accounts.push_back({e.name, e.uid, e.home});
    }
}

Walker::~Walker() = default;

std::optional<int64_t> Walker::uid_of(const std::string& name) const {
    auto it = m_uids.find(name);
    if (it != m_uids.end()) return it->second;
    return std::nullopt;
}

std::optional<std::string> Walker::name_of(int64_t uid) const {
    auto it = m_names.find(uid);
    if (it != m_names.end()) return it->second;
    return std::nullopt;
}

std::vector<std::string> Walker::list(const std::string& dir, const std::string& tag,
                                      std::string& canonical) {
    std::vector<std::string> names;
    int error = 0;
    auto resolved = m_fs.resolve(dir, error);
    if (!resolved) {
        if (posix::is_denied_errno(error)) {
            ++m_denied;
            m_sink.item_error(ItemError::from_errno("open", error, dir));
        }
        return names;
    }
    canonical = *resolved;
    if (!m_walked.insert({tag, canonical}).second) return names;
    // Canonical already (every link resolved inside the root), so O_NOFOLLOW: a link swapped in
    // since then is refused, not followed out of the tree. O_DIRECTORY never opens a FIFO.
    auto opened = posix::open_dir_at(AT_FDCWD, m_fs.real(canonical), O_NOFOLLOW);
    DIR* d = opened ? ::fdopendir(opened->get()) : nullptr;
    if (d) opened->release();
    if (!d) {
        error = opened ? errno : opened.error().code;
        if (posix::is_denied_errno(error)) ++m_denied;
        if (error != ENOENT && error != ENOTDIR) {
            m_sink.item_error(ItemError::from_errno("opendir", error, dir));
        }
        return names;
    }
    while (dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
            names.emplace_back(e->d_name);
        }
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<struct stat> Walker::stat_path(const std::string& host_path) {
    int error = 0;
    auto resolved = m_fs.resolve(host_path, error);
    struct stat st {};
    if (!resolved || ::stat(m_fs.real(*resolved).c_str(), &st) != 0) return std::nullopt;
    return st;
}

std::optional<Source> Walker::read(const std::string& host_path, ReadText mode) {
    auto fail = [&](const char* stage, int error) -> std::optional<Source> {
        if (error == ENOENT || error == ENOTDIR) return std::nullopt;  // absent is normal
        if (posix::is_denied_errno(error)) ++m_denied;
        m_sink.item_error(ItemError::from_errno(stage, error, host_path));
        return std::nullopt;
    };
    Source src;
    src.path = host_path;
    int error = 0;
    auto resolved = m_fs.resolve(host_path, error);
    if (!resolved) return fail("resolve", error);
    // Is the name itself a link? Asked of its canonical parent so no link is followed outside.
    const size_t slash = host_path.rfind('/');
    auto parent = m_fs.resolve(slash == 0 ? "/" : host_path.substr(0, slash), error);
    struct stat lst {};
    if (parent && slash != std::string::npos) {
        const std::string named =
            m_fs.real((*parent == "/" ? "" : *parent) + host_path.substr(slash));
        if (::lstat(named.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
            if (auto t = posix::read_link_at(AT_FDCWD, named)) src.link_target = *t;
        }
    }
    const std::string real = m_fs.real(*resolved);
    if (::stat(real.c_str(), &src.st) != 0) return fail("stat", errno);
    // Never open a FIFO or device: a masked unit links to /dev/null, and a FIFO would block.
    if (!S_ISREG(src.st.st_mode)) return std::nullopt;
    if (mode == ReadText::none) return src;
    // The shared opener again: the file may have been swapped for a FIFO since the stat.
    bool truncated = false;
    const size_t cap = mode == ReadText::script ? k_max_script_bytes : posix::k_default_read_cap;
    auto text = posix::read_file_at(AT_FDCWD, real, cap, &truncated);
    if (!text && mode == ReadText::script) {
        // The script is still an autorun (its metadata was read): only its lines are unknown.
        const ItemError& e = text.error();
        if (posix::is_denied_errno(e.code)) ++m_denied;
        if (e.code != ENOENT && e.code != ENOTDIR) {  // gone since the stat: a race, no error
            m_sink.item_error(
                {e.domain, e.stage, e.code, host_path, e.message + ": script lines not read"});
        }
        src.text_error = e.message;
        return src;
    }
    if (!text) return fail(text.error().stage.c_str(), text.error().code);
    if (mode == ReadText::script) {
        src.truncated = truncated;  // a long script is no error: its record says where it stops
    } else if (truncated) {
        m_sink.item_error(
            ItemError::from_errno("read", EFBIG, host_path,
                                  fmt::format("larger than {} bytes: only the start was parsed",
                                              posix::k_default_read_cap)));
    }
    src.text = std::move(*text);
    return src;
}

void Walker::malformed(const Source& source, size_t count) {
    if (count == 0) return;
    m_sink.item_error(
        ItemError::without_code("parse", source.path, fmt::format("{} malformed line(s)", count)));
}

std::optional<std::string> Walker::find_program(const std::string& program, TargetRule rule) {
    if (program.empty()) return std::nullopt;
    int error = 0;
    if (program.front() == '/') return m_fs.resolve(program, error).value_or(program);
    if (rule == TargetRule::path_only || program.find('/') != std::string::npos) {
        return std::nullopt;  // relative to an unknown working directory
    }
    std::vector<std::string> dirs;
    if (rule == TargetRule::udev) dirs.assign(std::begin(k_udev_dirs), std::end(k_udev_dirs));
    dirs.insert(dirs.end(), std::begin(k_search_path), std::end(k_search_path));
    for (const auto& dir : dirs) {
        auto resolved = m_fs.resolve(dir + "/" + program, error);
        struct stat st {};
        if (resolved && ::stat(m_fs.real(*resolved).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            return resolved;
        }
    }
    return std::nullopt;
}

void Walker::resolve_target(const Entry& entry, json& r) {
    r["target_path"] = nullptr;
    r["target_sha256"] = nullptr;
    r["target_exists"] = nullptr;
    if (entry.target == TargetRule::none) return;
    std::string program = entry.program;
    if (program.empty() && entry.target == TargetRule::self) {
        program = r["source_path"].get<std::string>();
    } else if (program.empty() && entry.command) {
        program = entry.target == TargetRule::path_only ? *entry.command
                                                        : autoruns::command_program(*entry.command);
    }
    auto path = find_program(program, entry.target);
    r["target_exists"] = false;
    if (!path) return;
    r["target_path"] = *path;
    int error = 0;
    auto resolved = m_fs.resolve(*path, error);
    if (!resolved) return;
    const std::string real = m_fs.real(*resolved);
    struct stat st {};
    auto opened = posix::open_regular_at(AT_FDCWD, real, O_NOFOLLOW, &st);
    if (!opened) {
        // There but a FIFO, a device or not for us to read: it exists, it is not hashed.
        if (opened.error().code != ENOENT) r["target_exists"] = true;
        return;
    }
    posix::UniqueFd owner = std::move(*opened);
    r["target_exists"] = true;
    m_pending.back().package_path = *resolved;
    m_pending.back().package_skip.clear();
    if (!m_ctx.hashes) return;
    FileKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                static_cast<uint64_t>(st.st_size), ns_of(st.st_mtim)};
    m_pending.back().hash = m_ctx.hashes->submit(owner.release(), key);
}

namespace {

/// script_lines, script_line_numbers and script_note of a shell script's record: its code
/// lines, escaped, and why they are not the whole script when they are not.
void add_script_lines(const Source& source, json& r, std::vector<std::string>& escaped) {
    if (!source.text_error.empty()) {
        r["script_note"] = "unreadable: " + source.text_error;
        return;
    }
    const auto parsed = autoruns::parse_script_lines(source.text);
    if (parsed.binary) {
        r["script_note"] = "binary: not a text script";
        return;
    }
    json lines = json::array();
    json numbers = json::array();
    bool any_escaped = false;
    for (const auto& l : parsed.lines) {
        bool e = false;
        lines.push_back(escape_bytes(l.text, e));
        numbers.push_back(l.line);
        any_escaped = any_escaped || e;
    }
    if (any_escaped) escaped.emplace_back("script_lines");
    r["script_lines"] = std::move(lines);
    r["script_line_numbers"] = std::move(numbers);
    std::vector<std::string> notes;
    if (parsed.more_lines) {
        notes.push_back(fmt::format("truncated: only the first {} code lines kept",
                                    autoruns::k_max_script_lines));
    }
    if (parsed.cut_lines) {
        notes.push_back(fmt::format("truncated: lines longer than {} bytes cut",
                                    autoruns::k_max_script_line_bytes));
    }
    if (parsed.binary_from > 0) {
        notes.push_back(
            fmt::format("truncated: binary data from line {} not read", parsed.binary_from));
    }
    if (source.truncated && !parsed.more_lines && parsed.binary_from == 0) {
        notes.push_back(
            fmt::format("truncated: only the first {} bytes of the file read", k_max_script_bytes));
    }
    if (notes.empty()) return;
    std::string note = notes.front();
    for (size_t i = 1; i < notes.size(); ++i) note += "; " + notes[i];
    r["script_note"] = std::move(note);
}

}  // namespace

void Walker::add(const Source& source, Entry entry) {
    m_pending.push_back({});
    json& r = m_pending.back().record;
    std::vector<std::string> escaped;
    auto text = [&](const char* field, const std::optional<std::string>& value) -> json {
        if (!value) return nullptr;
        bool e = false;
        std::string out = escape_bytes(*value, e);
        if (e) escaped.emplace_back(field);
        return out;
    };
    if (!entry.user && entry.uid) entry.user = name_of(*entry.uid);
    if (entry.user && !entry.uid) entry.uid = uid_of(*entry.user);
    r["category"] = entry.category;
    r["source_path"] = source.path;  // raw until the target is resolved from it
    r["source_line"] = entry.line ? json(*entry.line) : json(nullptr);
    r["user"] = text("user", entry.user);
    r["uid"] = entry.uid ? json(*entry.uid) : json(nullptr);
    r["command"] = text("command", entry.command);
    resolve_target(entry, r);
    r["source_path"] = text("source_path", source.path);
    if (r["target_path"].is_string()) {
        r["target_path"] = text("target_path", r["target_path"].get<std::string>());
    }
    r["owner_uid"] = static_cast<int64_t>(source.st.st_uid);
    r["mode"] = mode_text(source.st.st_mode);
    r["mtime"] =
        source.kernel_file ? json(nullptr) : json(format_rfc3339_utc(ns_of(source.st.st_mtim)));
    r["ctime"] =
        source.kernel_file ? json(nullptr) : json(format_rfc3339_utc(ns_of(source.st.st_ctim)));
    r["enabled"] = entry.enabled ? json(*entry.enabled) : json(nullptr);
    if (source.link_target) entry.details["link_target"] = *source.link_target;
    bool details_escaped = false;
    escape_strings(entry.details, details_escaped);
    if (details_escaped) escaped.emplace_back("details");
    r["details"] = std::move(entry.details);
    std::vector<std::pair<std::string, PreloadScan>> scans;
    if (entry.preload) scans.emplace_back(entry.command.value_or(""), std::move(*entry.preload));
    put_preload_hooks(r, "preload_", scans);
    r["script_lines"] = nullptr;
    r["script_line_numbers"] = nullptr;
    r["script_note"] = nullptr;
    if (entry.script) add_script_lines(source, r, escaped);
    if (!escaped.empty()) r["escaped_fields"] = escaped;
    if (m_pending.size() >= k_pending_window) emit_front();
}

void Walker::emit_front() {
    Pending& p = m_pending.front();
    static const FileHash k_not_hashed;
    const FileHash* h = &k_not_hashed;
    if (p.hash) {
        h = &p.hash->get();
        if (h->sha256) p.record["target_sha256"] = *h->sha256;
    }
    if (p.package_skip.empty()) {
        put_package_check(m_ctx, p.record, "target_", p.package_path, *h, {});
    } else {
        // No target file: nothing to compare, the fields stay null.
        put_package_nulls(p.record, "target_");
    }
    m_sink.emit(p.record);
    m_pending.pop_front();
}

void Walker::finish() {
    while (!m_pending.empty()) emit_front();
    if (m_denied > 0) {
        m_sink.coverage(fmt::format("{} autorun source file(s) or directories denied{}", m_denied,
                                    geteuid() == 0 ? " (even to root: LSM policy or a mount)"
                                                   : ": run as root for full coverage"));
    }
}

}  // namespace autoruns_impl

void collect_autoruns(const Context& ctx, RecordSink& sink) {
    using namespace autoruns_impl;
    Walker w(ctx, sink);
    // Fixed category order; each walker checks ctx.should_stop() between files.
    for (auto walk : {walk_systemd, walk_generators, walk_sysv, walk_cron, walk_shell_startup,
                      walk_preload_and_modules, walk_udev, walk_xdg_autostart, walk_ssh_keys,
                      walk_motd, walk_kernel_helpers}) {
        if (ctx.should_stop()) break;
        walk(w);
    }
    w.finish();
}

}  // namespace irsnap::collectors
