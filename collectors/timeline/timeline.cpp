// SPDX-License-Identifier: Apache-2.0
#include "timeline.hpp"

#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "irsnap/clock.hpp"
#include "irsnap/json_line.hpp"
#include "irsnap/text.hpp"

namespace irsnap::collectors {

const CollectorSpec& timeline_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "timeline",
        .description =
            "File-system timeline of the places malware lands, one record per entry in "
            "bodyfile (mactime) terms: path, inode, mode, owner, size, access, modification, "
            "change and birth times (`irsnap export --format bodyfile` writes the TSK "
            "bodyfile). Linux: /tmp, /var/tmp, /dev/shm, /run/user, /etc, /usr/local, /opt, "
            "/usr/bin, /usr/sbin, /bin, /sbin, every home (/root, /home, each account's home "
            "from /etc/passwd), all entries; /usr/lib, /usr/lib64, /usr/libexec, /lib and "
            "/lib64 only for entries changed within --recent-days. Windows: Windows\\Temp, "
            "each profile's AppData\\Local\\Temp, the Public profile and ProgramData, all "
            "entries; System32 and SysWOW64 changed within --recent-days; then each profile's "
            "AppData. Symlinks are recorded, never followed; other file systems are not "
            "entered; at most --timeline-max-entries records, and coverage says where the walk "
            "stopped.",
        .volatility_rank = 92,
        .why =
            "RFC 3227: file-system metadata on disk is the least volatile evidence; the walk "
            "is the longest and runs after memory, network, process and autorun state, and "
            "before files reads the files it lists.",
        .platforms = {"linux", "windows"},
        .privileges =
            "root, to read other users' homes and private directories; on Windows an "
            "administrator, for other users' profiles",
        .without_privileges =
            "degrades: what can be listed is recorded; directories that cannot be read are "
            "counted in coverage with the first few named",
        .fields = {
            {"path", "string",
             "The entry as the host names it (Linux: never prefixed with --root). A directory "
             "reached through a symlinked root keeps the root's name."},
            {"walk_root", "string",
             "The directory the walk started from that found this entry (/tmp, /home, "
             "C:\\Windows\\System32 ...)."},
            {"walk_scope", "string",
             "What the walk of walk_root records: 'all' entries, or 'changed_in_window' (only "
             "entries whose mtime, ctime or birth time falls within --recent-days; the library "
             "directories and System32)."},
            {"file_type", "string",
             "The entry itself, never a link's target: regular, directory, symlink, fifo, "
             "socket, char_device, block_device, unknown (Windows: regular, directory, "
             "symlink for a symbolic link or junction)."},
            {"inode", "integer",
             "Linux: the inode number; Windows: the NTFS file id (file reference number)."},
            {"mode", "integer",
             "Permission bits with setuid, setgid and sticky (st_mode & 07777), e.g. 493 for "
             "0755.",
             k_linux},
            {"mode_string", "string",
             "The mode as ls -l and the bodyfile write it: type letter and permissions, "
             "e.g. \"-rwxr-xr-x\", \"drwxrwxrwt\", \"-rwsr-xr-x\".",
             k_linux},
            {"uid", "integer", "Owner user id.", k_linux},
            {"gid", "integer", "Owner group id.", k_linux},
            {"size", "integer",
             "Size in bytes (of a symlink: the length of its text; of a directory: what the "
             "file system reports)."},
            {"links", "integer", "Number of hard links.", k_linux},
            {"atime", "string",
             "Last access (RFC 3339 UTC); often not updated (relatime, noatime, Windows "
             "defaults)."},
            {"mtime", "string", "Last content modification (RFC 3339 UTC)."},
            {"ctime", "string",
             "Last metadata change (RFC 3339 UTC): Linux inode change time, Windows NTFS "
             "ChangeTime. Unlike mtime it cannot be set back with touch."},
            {"btime", "string",
             "Birth (creation) time (RFC 3339 UTC): statx STATX_BTIME on Linux, null where the "
             "file system or kernel does not give it; Windows CreationTime."},
            {"link_target", "string", "A symlink's text, as stored; never followed.", k_linux},
            {"attributes", "string[]",
             "FILE_ATTRIBUTE_* flags in lower case without the prefix: readonly, hidden, "
             "system, archive, temporary, reparse_point, compressed, encrypted ...",
             k_windows},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash).",
             k_linux},
        }};
    return spec;
}

namespace timeline_impl {
namespace {

void time_field(JsonLine& line, const char* key, const std::optional<int64_t>& ns) {
    if (ns) {
        line.field(key, format_rfc3339_utc(*ns));
    } else {
        line.null_field(key);
    }
}

template <typename T>
void number_field(JsonLine& line, const char* key, const std::optional<T>& value) {
    if (value) {
        line.field(key, *value);
    } else {
        line.null_field(key);
    }
}

}  // namespace

std::string record_line(const timeline::Root& root, const timeline::Entry& e, bool on_linux) {
    JsonLine line;
    std::vector<std::string> escaped;
    auto text = [&](const char* key, const std::string& value) {
        bool was = false;
        std::string out = on_linux ? escape_bytes(value, was) : value;
        if (was) escaped.emplace_back(key);
        line.field(key, out);
    };
    text("path", e.path);
    text("walk_root", root.path);
    line.field("walk_scope", timeline::scope_name(root.scope));
    line.field("file_type", timeline::type_name(e.type));
    number_field(line, "inode", e.inode);
    number_field(line, "size", e.size);
    time_field(line, "atime", e.atime_ns);
    time_field(line, "mtime", e.mtime_ns);
    time_field(line, "ctime", e.ctime_ns);
    time_field(line, "btime", e.btime_ns);
    if (on_linux) {
        if (e.mode) {
            line.field("mode", static_cast<uint64_t>(*e.mode & 07777));
            line.field("mode_string", timeline::mode_string(*e.mode));
        } else {
            line.null_field("mode").null_field("mode_string");
        }
        number_field(line, "uid", e.uid);
        number_field(line, "gid", e.gid);
        number_field(line, "links", e.links);
        if (e.link_target) {
            text("link_target", *e.link_target);
        } else {
            line.null_field("link_target");
        }
        if (!escaped.empty()) line.field("escaped_fields", escaped);
    } else {
        if (e.attributes) {
            line.field("attributes", timeline::windows_attribute_names(*e.attributes));
        } else {
            line.null_field("attributes");
        }
    }
    return line.finish();
}

timeline::Limits limits_of(const Context& ctx) {
    timeline::Limits limits;
    limits.max_records = ctx.params.timeline_max_entries;
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    limits.since_ns =
        now_ns - static_cast<int64_t>(ctx.params.recent_days) * 86400 * int64_t{1'000'000'000};
    return limits;
}

void report_walk(const Context& ctx, RecordSink& sink, const timeline::Report& report,
                 const timeline::Limits& limits) {
    for (auto& note : timeline::coverage_notes(report, limits)) sink.coverage(std::move(note));
    if (!ctx.logger) return;
    for (const auto& r : report.roots) {
        if (r.status == "not_reached" || r.status == "missing") continue;
        ctx.logger->info("timeline: {} ({}): {}{}{}, {} entries visited, {} recorded, {:.3f} s",
                         terminal_safe(r.root.path), timeline::scope_name(r.root.scope), r.status,
                         r.detail.empty() ? "" : " ", terminal_safe(r.detail), r.visited, r.records,
                         r.seconds);
    }
    ctx.logger->info("timeline: {} entries visited, {} recorded", report.visited, report.records);
}

}  // namespace timeline_impl

}  // namespace irsnap::collectors
