// SPDX-License-Identifier: Apache-2.0
// The pure parts of the file-system timeline (timeline.hpp): mode text, the change window, the
// Windows roots and the coverage notes, plus the bookkeeping both per-OS walks share.
#include "irsnap/timeline.hpp"

#include <fmt/format.h>

#include "irsnap/text.hpp"

namespace irsnap::timeline {
namespace {

// POSIX S_IFMT values (octal), the same on every Unix and in TSK's bodyfile.
constexpr uint32_t k_ifmt = 0170000;
constexpr uint32_t k_ifsock = 0140000;
constexpr uint32_t k_iflnk = 0120000;
constexpr uint32_t k_ifreg = 0100000;
constexpr uint32_t k_ifblk = 0060000;
constexpr uint32_t k_ifdir = 0040000;
constexpr uint32_t k_ifchr = 0020000;
constexpr uint32_t k_ififo = 0010000;

/// A host path in a coverage note: escaped as in records when it is not UTF-8, so the
/// manifest shows \xHH rather than U+FFFD.
std::string shown(const std::string& path) {
    bool escaped = false;
    return escape_bytes(path, escaped);
}

std::string joined(const std::vector<std::string>& items, size_t keep = 5) {
    std::string out;
    for (size_t i = 0; i < items.size() && i < keep; ++i) {
        if (i) out += ", ";
        out += shown(items[i]);
    }
    if (items.size() > keep) out += fmt::format(" and {} more", items.size() - keep);
    return out;
}

}  // namespace

std::string_view type_name(FileType type) {
    switch (type) {
        case FileType::regular:
            return "regular";
        case FileType::directory:
            return "directory";
        case FileType::symlink:
            return "symlink";
        case FileType::fifo:
            return "fifo";
        case FileType::socket:
            return "socket";
        case FileType::char_device:
            return "char_device";
        case FileType::block_device:
            return "block_device";
        case FileType::unknown:
            break;
    }
    return "unknown";
}

FileType type_of_mode(uint32_t st_mode) {
    switch (st_mode & k_ifmt) {
        case k_ifreg:
            return FileType::regular;
        case k_ifdir:
            return FileType::directory;
        case k_iflnk:
            return FileType::symlink;
        case k_ififo:
            return FileType::fifo;
        case k_ifsock:
            return FileType::socket;
        case k_ifchr:
            return FileType::char_device;
        case k_ifblk:
            return FileType::block_device;
        default:
            return FileType::unknown;
    }
}

char type_letter(FileType type) {
    switch (type) {
        case FileType::regular:
            return '-';
        case FileType::directory:
            return 'd';
        case FileType::symlink:
            return 'l';
        case FileType::fifo:
            return 'p';
        case FileType::socket:
            return 's';
        case FileType::char_device:
            return 'c';
        case FileType::block_device:
            return 'b';
        case FileType::unknown:
            break;
    }
    return '?';
}

std::string mode_string(uint32_t st_mode) {
    std::string out(10, '-');
    out[0] = type_letter(type_of_mode(st_mode));
    constexpr char k_rwx[] = "rwx";
    for (int i = 0; i < 9; ++i) {
        if (st_mode & (0400u >> i)) out[1 + i] = k_rwx[i % 3];
    }
    // setuid, setgid, sticky: lower case when the execute bit under them is set, else upper.
    auto special = [&](uint32_t bit, size_t at, char set) {
        if (!(st_mode & bit)) return;
        out[at] = out[at] == 'x' ? set : static_cast<char>(set - 'a' + 'A');
    };
    special(04000, 3, 's');
    special(02000, 6, 's');
    special(01000, 9, 't');
    return out;
}

std::string_view scope_name(Scope scope) {
    return scope == Scope::changed ? "changed_in_window" : "all";
}

bool changed_since(const Entry& entry, int64_t since_ns) {
    for (const auto& t : {entry.mtime_ns, entry.ctime_ns, entry.btime_ns}) {
        if (t && *t >= since_ns) return true;
    }
    return false;
}

std::vector<std::string> windows_attribute_names(uint32_t attributes) {
    // FILE_ATTRIBUTE_* (winnt.h), spelled as the constants without their prefix.
    static constexpr std::pair<uint32_t, const char*> k_names[] = {
        {0x1, "readonly"},
        {0x2, "hidden"},
        {0x4, "system"},
        {0x10, "directory"},
        {0x20, "archive"},
        {0x40, "device"},
        {0x80, "normal"},
        {0x100, "temporary"},
        {0x200, "sparse_file"},
        {0x400, "reparse_point"},
        {0x800, "compressed"},
        {0x1000, "offline"},
        {0x2000, "not_content_indexed"},
        {0x4000, "encrypted"},
        {0x8000, "integrity_stream"},
        {0x10000, "virtual"},
        {0x20000, "no_scrub_data"},
        {0x40000, "recall_on_open"},
        {0x80000, "pinned"},
        {0x100000, "unpinned"},
        {0x400000, "recall_on_data_access"},
    };
    std::vector<std::string> out;
    uint32_t known = 0;
    for (const auto& [bit, name] : k_names) {
        known |= bit;
        if (attributes & bit) out.emplace_back(name);
    }
    for (uint32_t bit = 1; bit != 0; bit <<= 1) {
        if ((attributes & bit) && !(known & bit)) out.push_back(fmt::format("0x{:x}", bit));
    }
    return out;
}

void Examples::add(std::string example, size_t keep) {
    ++count;
    if (first.size() < keep) first.push_back(std::move(example));
}

std::string Examples::text() const {
    std::string out = fmt::format("{} (first: ", count);
    for (size_t i = 0; i < first.size(); ++i) {
        if (i) out += ", ";
        out += shown(first[i]);
    }
    if (count > first.size()) out += fmt::format(" and {} more", count - first.size());
    return out + ")";
}

std::vector<std::string> coverage_notes(const Report& report, const Limits& limits) {
    std::vector<std::string> notes;
    if (report.stop != Stop::none) {
        std::vector<std::string> not_walked;
        for (const auto& r : report.roots) {
            if (r.status == "stopped") not_walked.push_back("the rest of " + r.root.path);
            if (r.status == "not_reached") not_walked.push_back(r.root.path);
        }
        std::string note =
            report.stop == Stop::max_records
                ? fmt::format("stopped at the --timeline-max-entries limit ({} records)",
                              limits.max_records)
                : fmt::format(
                      "stopped by the collector's deadline or an interrupt after {} "
                      "records",
                      report.records);
        if (!report.stopped_in.empty()) note += " in " + shown(report.stopped_in);
        if (!not_walked.empty()) note += "; not walked: " + joined(not_walked, 30);
        notes.push_back(std::move(note));
    }
    for (const auto& r : report.roots) {
        if (r.status == "skipped_fs") {
            notes.push_back(
                fmt::format("{} is on a network, FUSE or pseudo file system ({}): not walked",
                            shown(r.root.path), r.detail));
        } else if (r.status == "failed") {
            notes.push_back(
                fmt::format("{} could not be walked: {}", shown(r.root.path), r.detail));
        }
    }
    if (report.denied.count) {
        notes.push_back("permission denied on " + report.denied.text() +
                        ": what they hold is not in the timeline");
    }
    if (report.other_fs.count) {
        notes.push_back(
            "mount points of other file systems (Windows: reparse points other than links) "
            "inside the walked directories, not entered: " +
            report.other_fs.text());
    }
    if (report.too_deep.count) {
        notes.push_back(fmt::format("directories more than {} levels below their root, not "
                                    "entered: ",
                                    limits.max_depth) +
                        report.too_deep.text());
    }
    if (report.too_wide.count) {
        notes.push_back(fmt::format("subdirectories past the first {} of one directory, not "
                                    "entered: ",
                                    limits.max_subdirs_per_dir) +
                        report.too_wide.text());
    }
    return notes;
}

std::vector<Root> windows_roots(const std::string& windows_dir, const std::string& program_data,
                                const std::string& public_dir,
                                const std::vector<std::string>& profile_dirs,
                                const std::vector<std::string>& temp_dirs) {
    std::vector<Root> out;
    auto lower = [](std::string text) {
        for (char& c : text) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        return text;
    };
    auto add = [&](const std::string& base, const char* sub, Scope scope) {
        if (base.empty()) return;
        const std::string path = base + sub;
        for (const auto& r : out) {
            if (lower(r.path) == lower(path)) return;
        }
        out.push_back({path, scope});
    };
    add(windows_dir, "\\Temp", Scope::all);
    for (const auto& p : profile_dirs) add(p, "\\AppData\\Local\\Temp", Scope::all);
    for (const auto& t : temp_dirs) add(t, "", Scope::all);
    add(public_dir, "", Scope::all);
    add(program_data, "", Scope::all);
    add(windows_dir, "\\System32", Scope::changed);
    add(windows_dir, "\\SysWOW64", Scope::changed);
    for (const auto& p : profile_dirs) add(p, "\\AppData", Scope::all);
    return out;
}

WalkState::WalkState(const HostView& host, const Limits& limits, Visitor& visitor, Report& report)
    : m_host(host), m_limits(limits), m_visitor(visitor), m_report(report) {}

bool WalkState::stopping(const std::string& where, bool now) {
    if (m_report.stop != Stop::none) return true;
    if (!now && (++m_tick % 64) != 0) return false;
    if (!m_host.should_stop()) return false;
    m_report.stop = Stop::should_stop;
    m_report.stopped_in = where;
    return true;
}

bool WalkState::offer(RootReport& root, const Entry& entry, const std::string& where) {
    ++root.visited;
    ++m_report.visited;
    if (root.root.scope == Scope::all || changed_since(entry, m_limits.since_ns)) {
        // Stopped by the first entry past the limit, so a walk that records exactly the limit
        // and then ends is complete.
        if (m_report.records >= m_limits.max_records) {
            m_report.stop = Stop::max_records;
            m_report.stopped_in = where;
            return false;
        }
        m_visitor.entry(root.root, entry);
        ++root.records;
        ++m_report.records;
    }
    return !stopping(where);
}

}  // namespace irsnap::timeline
