// SPDX-License-Identifier: Apache-2.0
// The TSK 3.x bodyfile (what `fls -m` writes and `mactime -b` reads) from the timeline
// collector's records: MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime, one
// line per entry, times in Unix seconds. irsnap computes no MD5 (0), and an unknown value is 0,
// as TSK writes it.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "export_internal.hpp"
#include "irsnap/export.hpp"
#include "irsnap/text.hpp"
#include "irsnap/triage.hpp"
#include "irsnap/untrusted_json.hpp"

namespace irsnap::exports {
namespace {

using nlohmann::json;

/// Length of the valid UTF-8 sequence at the start of `s`, 0 when the first byte starts none.
size_t valid_utf8_prefix(std::string_view s) {
    const auto lead = static_cast<unsigned char>(s[0]);
    const size_t n = lead < 0x80           ? 1
                     : (lead >> 5) == 0x6  ? 2
                     : (lead >> 4) == 0xe  ? 3
                     : (lead >> 3) == 0x1e ? 4
                                           : 0;
    if (n == 0 || n > s.size() || !is_valid_utf8(s.substr(0, n))) return 0;
    return n;
}

bool is_hex_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_char_value(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/// A record's text field as the bytes the host gave (escape_bytes undone when the record lists
/// it in escaped_fields); "" when absent or not a string.
std::string raw_text(const json& record, const char* key) {
    std::string text = triage::text_of(record, key);
    const auto escaped = record.find("escaped_fields");
    if (escaped != record.end() && escaped->is_array()) {
        for (const auto& name : *escaped) {
            if (name.is_string() && name.get_ref<const std::string&>() == key) {
                return unescape_bytes(text);
            }
        }
    }
    return text;
}

/// A whole number of a record as bodyfile text: unsigned values as unsigned, 0 when missing.
std::string number_column(const json& record, const char* key) {
    const auto it = record.find(key);
    if (it == record.end()) return "0";
    if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
    if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
    return "0";
}

/// An RFC 3339 time of a record in whole Unix seconds; 0 when unknown (TSK's "no time").
std::string seconds_column(const json& record, const char* key) {
    const int64_t ns = triage::parse_utc_ns(triage::text_of(record, key));
    return std::to_string(ns / 1'000'000'000);
}

char type_letter_of(std::string_view file_type) {
    if (file_type == "regular") return '-';
    if (file_type == "directory") return 'd';
    if (file_type == "symlink") return 'l';
    if (file_type == "fifo") return 'p';
    if (file_type == "socket") return 's';
    if (file_type == "char_device") return 'c';
    if (file_type == "block_device") return 'b';
    return '-';
}

}  // namespace

std::string bodyfile_escape(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    bool pending_backslash = false;  // written once we know what follows it
    auto put = [&](std::string_view token) {
        if (pending_backslash) {
            out += (token[0] == '\\' || token[0] == 'x') ? "\\\\" : "\\";
            pending_backslash = false;
        }
        out += token;
    };
    size_t i = 0;
    while (i < name.size()) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c == '\\') {
            if (pending_backslash) out += "\\\\";  // the one before is followed by a backslash
            pending_backslash = true;
            ++i;
            continue;
        }
        const size_t n = c == '|' || c < 0x20 || c == 0x7f ? 0 : valid_utf8_prefix(name.substr(i));
        if (n == 0) {
            put(fmt::format("\\x{:02x}", c));
            ++i;
        } else {
            put(name.substr(i, n));
            i += n;
        }
    }
    if (pending_backslash) out += '\\';
    return out;
}

std::string bodyfile_unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            if (text[i + 1] == '\\') {
                out += '\\';
                ++i;
                continue;
            }
            if (text[i + 1] == 'x' && i + 3 < text.size() && is_hex_char(text[i + 2]) &&
                is_hex_char(text[i + 3])) {
                out += static_cast<char>(hex_char_value(text[i + 2]) * 16 +
                                         hex_char_value(text[i + 3]));
                i += 3;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

std::string bodyfile_line(const json& record, std::string_view name_prefix) {
    if (!record.is_object()) return {};
    std::string name = raw_text(record, "path");
    if (name.empty()) return {};
    const std::string type = triage::text_of(record, "file_type");
    if (type == "symlink") {
        // As fls -m names a link: "name -> target".
        if (const std::string target = raw_text(record, "link_target"); !target.empty()) {
            name += " -> " + target;
        }
    }
    std::string mode = triage::text_of(record, "mode_string");
    if (mode.size() != 10) {
        // Windows keeps no POSIX mode: TSK shows NTFS entries with every permission.
        mode = std::string(1, type_letter_of(type)) + "rwxrwxrwx";
    }
    std::string line = "0|";
    line += bodyfile_escape(std::string(name_prefix) + name);
    for (const std::string& column :
         {number_column(record, "inode"), bodyfile_escape(mode), number_column(record, "uid"),
          number_column(record, "gid"), number_column(record, "size"),
          seconds_column(record, "atime"), seconds_column(record, "mtime"),
          seconds_column(record, "ctime"), seconds_column(record, "btime")}) {
        line += '|';
        line += column;
    }
    line += '\n';
    return line;
}

BundleExport export_bodyfile(const std::filesystem::path& bundle, OutputStream& out,
                             bool name_host) {
    BundleExport result;
    std::string prefix;
    if (name_host) {
        const detail::BundleIdentity id = detail::peek_bundle(bundle);
        prefix = (id.host.empty() ? id.name : id.host) + ":";
    }
    // Every artifact is read (only timeline lines are parsed), so every record count is checked
    // against the manifest, as the jsonl export does: a bodyfile is often the one thing an
    // analyst takes from a bundle, and it must not call a bundle verified that triage would not.
    result.summary = read_bundle(bundle, {}, [&](const BundleLine& line) {
        if (line.collector != "timeline") return;
        const json r = parse_untrusted_json(line.text);
        if (!r.is_object()) {
            ++result.skipped_lines;
            return;
        }
        ++result.records;
        const std::string text = bodyfile_line(r, prefix);
        if (text.empty()) return;
        out.write(text);
        ++result.events;
    });
    return result;
}

}  // namespace irsnap::exports
