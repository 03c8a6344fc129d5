// SPDX-License-Identifier: Apache-2.0
#include "irsnap/linux/package_files.hpp"
#include "irsnap/base64.hpp"
#include "irsnap/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

namespace irsnap::packages {
namespace {

/// Splits `text` into lines (without '\n'; a trailing '\r' is kept: dpkg never writes one, so a
/// path that ends in one is a different path).
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        fn(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

bool is_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

/// " /etc/foo 0123... [obsolete|remove-on-upgrade]" (a Conffiles: continuation line). The path
/// may hold spaces, so the digest is found from the end.
std::optional<DpkgConffile> parse_conffile_line(std::string_view line) {
    line = trim(line);
    DpkgConffile c;
    for (std::string_view flag :
         {std::string_view(" obsolete"), std::string_view(" remove-on-upgrade")}) {
        if (line.size() > flag.size() && line.substr(line.size() - flag.size()) == flag) {
            c.obsolete = c.obsolete || flag == " obsolete";
            line = trim(line.substr(0, line.size() - flag.size()));
        }
    }
    const size_t space = line.rfind(' ');
    if (space == std::string_view::npos || line.empty() || line.front() != '/') return std::nullopt;
    const std::string_view digest = line.substr(space + 1);
    c.path = std::string(trim(line.substr(0, space)));
    if (digest.size() == 32 && is_hex(digest)) c.md5 = lower(digest);
    return c;
}

}  // namespace

std::vector<DpkgPackage> parse_dpkg_status(std::string_view text, size_t* malformed) {
    std::vector<DpkgPackage> out;
    size_t bad = 0;
    DpkgPackage current;
    bool any_field = false;
    bool in_conffiles = false;
    auto finish = [&] {
        if (any_field) {
            if (current.name.empty()) {
                ++bad;
            } else {
                out.push_back(std::move(current));
            }
        }
        current = DpkgPackage{};
        any_field = false;
        in_conffiles = false;
    };
    for_each_line(text, [&](std::string_view line) {
        if (trim(line).empty()) {
            finish();
            return;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            // A continuation line: only Conffiles' matter here (Description's are prose).
            if (in_conffiles) {
                if (auto c = parse_conffile_line(line)) current.conffiles.push_back(std::move(*c));
            }
            return;
        }
        any_field = true;
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            in_conffiles = false;
            return;
        }
        const std::string_view key = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        in_conffiles = key == "Conffiles";
        if (key == "Package") {
            current.name = std::string(value);
        } else if (key == "Version") {
            current.version = std::string(value);
        } else if (key == "Architecture") {
            current.architecture = std::string(value);
        } else if (key == "Status") {
            current.status = std::string(value);
        }
    });
    finish();
    if (malformed) *malformed = bad;
    return out;
}

std::vector<DpkgDiversion> parse_dpkg_diversions(std::string_view text, size_t* malformed) {
    std::vector<DpkgDiversion> out;
    std::vector<std::string_view> group;
    for_each_line(text, [&](std::string_view line) {
        group.push_back(line);
        if (group.size() < 3) return;
        DpkgDiversion d{std::string(group[0]), std::string(group[1]), std::string(group[2])};
        if (d.package == ":") d.package.clear();
        out.push_back(std::move(d));
        group.clear();
    });
    // A final newline leaves an empty line behind the last group: not a short group.
    const bool short_group = !group.empty() && !(group.size() == 1 && group[0].empty());
    if (malformed) *malformed = short_group ? 1 : 0;
    return out;
}

size_t for_each_dpkg_md5sum(std::string_view text,
                            const std::function<void(std::string_view, std::string_view)>& fn) {
    size_t bad = 0;
    std::string path;
    std::array<char, 32> md5{};
    for_each_line(text, [&](std::string_view line) {
        if (line.empty()) return;
        // "<md5>  <path>": two spaces (md5sum's text mode) or " *" (binary mode).
        if (line.size() < 35 || line[32] != ' ' || (line[33] != ' ' && line[33] != '*') ||
            !is_hex(line.substr(0, 32))) {
            ++bad;
            return;
        }
        std::string_view rel = line.substr(34);
        while (rel.starts_with("./")) rel.remove_prefix(2);
        while (rel.starts_with('/')) rel.remove_prefix(1);
        if (rel.empty()) {
            ++bad;
            return;
        }
        for (size_t i = 0; i < 32; ++i) {
            const char c = line[i];
            md5[i] = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        path.assign("/");
        path.append(rel);
        fn(path, std::string_view(md5.data(), md5.size()));
    });
    return bad;
}

size_t for_each_dpkg_list_path(std::string_view text,
                               const std::function<void(std::string_view)>& fn) {
    size_t bad = 0;
    for_each_line(text, [&](std::string_view line) {
        if (line.empty()) return;
        if (line.front() != '/') {
            ++bad;
            return;
        }
        // dpkg lists the root itself as "/." on some versions: not a file.
        if (line == "/." || line == "/") return;
        fn(line);
    });
    return bad;
}

namespace {

/// apk's "Q1" + base64(SHA-1) checksum as hex; empty when it is not one.
std::string apk_checksum_hex(std::string_view value) {
    if (!value.starts_with("Q1")) return {};
    value.remove_prefix(2);
    const auto decoded = base64_decode(value);
    if (!decoded) return {};
    const std::string& bytes = *decoded;
    if (bytes.size() != 20) return {};
    return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace

std::vector<ApkPackage> parse_apk_installed(std::string_view text, size_t* malformed) {
    std::vector<ApkPackage> out;
    size_t bad = 0;
    ApkPackage current;
    std::string dir;
    bool have_dir = false;
    bool file_before = false;  // the line before was an R: (a Z: belongs to it)
    bool any = false;
    auto finish = [&] {
        if (any) {
            if (current.name.empty()) {
                ++bad;
            } else {
                out.push_back(std::move(current));
            }
        }
        current = ApkPackage{};
        have_dir = false;
        dir.clear();
        any = false;
        // A Z: after the blank line belongs to no file of the new package (whose file list is
        // empty): without this, "R:x", "", "Z:..." took back() of an empty vector (fuzzer find).
        file_before = false;
    };
    for_each_line(text, [&](std::string_view line) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            finish();
            return;
        }
        any = true;
        if (line.size() < 2 || line[1] != ':') {
            ++bad;
            return;
        }
        const char key = line[0];
        const std::string_view value = line.substr(2);
        const bool after_file = std::exchange(file_before, false);
        switch (key) {
            case 'P':
                current.name = std::string(value);
                break;
            case 'V':
                current.version = std::string(value);
                break;
            case 'A':
                current.architecture = std::string(value);
                break;
            case 'F':
                dir = std::string(value);
                while (!dir.empty() && dir.back() == '/') dir.pop_back();
                have_dir = true;
                break;
            case 'R':
                if (!have_dir || value.empty() || value.find('/') != std::string_view::npos) {
                    ++bad;
                    break;
                }
                current.files.push_back(
                    {"/" + dir + (dir.empty() ? "" : "/") + std::string(value), {}});
                file_before = true;
                break;
            case 'Z':
                // The checksum of the file just named; anywhere else (after an F:, say) it is
                // not a file's and is ignored.
                if (after_file) {
                    current.files.back().digest = apk_checksum_hex(value);
                    if (current.files.back().digest.empty()) ++bad;
                }
                break;
            case 'a':
                file_before = after_file;  // a file's ACL line may sit between R: and Z:
                break;
            default:
                break;
        }
    });
    finish();
    if (malformed) *malformed = bad;
    return out;
}

}  // namespace irsnap::packages
