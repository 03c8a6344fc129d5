// SPDX-License-Identifier: Apache-2.0
// Pure parsers for the files package managers keep about what they installed: dpkg's status,
// info/*.list, info/*.md5sums and diversions; apk's installed. Read, never run: irsnap never
// starts dpkg, rpm or apk on a suspect host (docs/package-trust.md).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::packages {

/// A conffile from a status paragraph's Conffiles: field. dpkg keeps conffiles out of .md5sums
/// and records here the MD5 of the version it installed ("newconffile" when none yet).
struct DpkgConffile {
    std::string path;
    std::string md5;  ///< lower-case hex; empty when the field holds no digest
    bool obsolete = false;
};

/// One paragraph of /var/lib/dpkg/status.
struct DpkgPackage {
    std::string name;
    std::string version;
    std::string architecture;
    std::string status;  ///< "install ok installed", "deinstall ok config-files" ...
    std::vector<DpkgConffile> conffiles;
};

/// /var/lib/dpkg/status: RFC 822-style paragraphs. Paragraphs without a Package: field are
/// counted in `malformed` and dropped; unknown fields are ignored.
std::vector<DpkgPackage> parse_dpkg_status(std::string_view text, size_t* malformed = nullptr);

/// One entry of /var/lib/dpkg/diversions: the file a package installs at `from` is put at `to`.
struct DpkgDiversion {
    std::string from;
    std::string to;
    std::string package;  ///< the diverting package; empty for a local (administrator's) one
};

/// /var/lib/dpkg/diversions: groups of three lines (from, to, diverting package or ":").
/// A short last group is counted in `malformed`.
std::vector<DpkgDiversion> parse_dpkg_diversions(std::string_view text,
                                                 size_t* malformed = nullptr);

/// Calls `fn(path, md5)` for each "<32 hex>  <path>" line of an info/<package>.md5sums file.
/// `path` is made absolute ("usr/bin/ls" -> "/usr/bin/ls"); `md5` is lower-case. Returns the
/// number of malformed lines (a truncated file's last line among them), which are skipped.
size_t for_each_dpkg_md5sum(
    std::string_view text,
    const std::function<void(std::string_view path, std::string_view md5)>& fn);

/// Calls `fn(path)` for each line of an info/<package>.list file (absolute paths, directories
/// too). Lines that are not absolute paths are counted and skipped.
size_t for_each_dpkg_list_path(std::string_view text,
                               const std::function<void(std::string_view path)>& fn);

/// One file of an apk package: `digest` is the hex of a Z: line's checksum ("Q1" + base64 is
/// SHA-1, the only kind apk-tools 2 writes; other or broken checksums leave it empty).
struct ApkFile {
    std::string path;
    std::string digest;
};

/// One package of Alpine's /lib/apk/db/installed.
struct ApkPackage {
    std::string name;
    std::string version;
    std::string architecture;
    std::vector<ApkFile> files;
};

/// /lib/apk/db/installed: "X:value" lines, paragraphs separated by blank lines; F: sets the
/// directory the following R: files sit in, Z: is the checksum of the R: before it.
/// `malformed` counts lines that fit no rule (an R: before any F:, a bad Z:).
std::vector<ApkPackage> parse_apk_installed(std::string_view text, size_t* malformed = nullptr);

}  // namespace irsnap::packages
