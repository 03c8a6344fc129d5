// SPDX-License-Identifier: Apache-2.0
#include "modules.hpp"
#include "common/package_fields.hpp"

namespace irsnap::collectors {

const CollectorSpec& modules_spec() {
    static const CollectorSpec spec{
        .name = "modules",
        .description =
            "Code loaded into every process, from /proc/PID/maps. Two record kinds: 'file', one "
            "per process and mapped file, with its address ranges and SHA-256; and "
            "'anonymous_executable', one per process that has executable memory without a "
            "file (where injected code and JIT output live), listing those ranges. On Windows: "
            "one 'file' record per process and loaded image (EnumProcessModulesEx, 32- and "
            "64-bit), hashed and with its Authenticode status.",
        .volatility_rank = 50,
        .why =
            "RFC 3227 loaded modules: mappings change as libraries load and processes exit; "
            "read after the process table and open handles, before anything on disk.",
        .platforms = {"linux", "windows"},
        .privileges =
            "root: ptrace read access for other users' /proc/PID/maps, CAP_SYS_ADMIN for "
            "/proc/PID/map_files (hashes deleted files and memfds). Windows: an administrator "
            "(SeDebugPrivilege) to open other users' and service processes",
        .without_privileges =
            "degrades: only the caller's own processes are listed (the rest is counted in "
            "coverage); files are hashed by path with a device/inode check, deleted files and "
            "memfds are not hashed. Windows: processes that cannot be opened are counted in "
            "coverage",
        .fields = with_package_fields(
            {
                {"kind", "string",
                 "Record kind: 'file' or 'anonymous_executable' (Windows: always 'file')."},
                {"pid", "integer", "Process id."},
                {"process_name", "string",
                 "Process short name (comm, settable by the process itself)."},
                {"path", "string",
                 "Mapped file as the kernel names it; ' (deleted)' is removed when the file "
                 "really is unlinked; memfds read '/memfd:NAME'. Null for anonymous_executable. "
                 "Windows: the Win32 path of the file the kernel mapped (GetMappedFileNameW), or "
                 "the loader's name when that cannot be mapped to a drive."},
                {"loader_path",
                 "string",
                 "The loader's own name for the module (GetModuleFileNameExW, read from the "
                 "process's memory) when it differs from path: System32 for the SysWOW64 DLLs of a "
                 "32-bit process, or a name rewritten from user mode to disguise a module. Null "
                 "when "
                 "the two agree.",
                 {"windows"}},
                {"ranges",
                 "object[]",
                 "Address ranges: start and end (hex strings '0x...'), perms (rwxp/s), offset "
                 "(integer, bytes into the file); anonymous ranges also carry name ('', '[heap]', "
                 "'[stack]', '[anon:NAME]').",
                 {"linux"}},
                {"base_address",
                 "string",
                 "Load address of the image ('0x...', hex).",
                 {"windows"}},
                {"size_bytes", "integer",
                 "Total bytes mapped over the listed ranges (Windows: SizeOfImage, the bytes the "
                 "image occupies in memory)."},
                {"file_size", "integer", "Size of the image file on disk in bytes.", {"windows"}},
                {"executable", "boolean",
                 "At least one listed range is executable (Windows: always true, an image)."},
                {"device",
                 "string",
                 "Device of the mapped file as 'major:minor' (decimal, as in mountinfo); file "
                 "records only.",
                 {"linux"}},
                {"inode", "integer", "Inode of the mapped file; file records only.", {"linux"}},
                {"deleted",
                 "boolean",
                 "The file is unlinked. Decided by st_nlink through /proc/PID/map_files when "
                 "readable; otherwise from the kernel's ' (deleted)' suffix and whether the path "
                 "still holds that inode.",
                 {"linux"}},
                {"memfd",
                 "boolean",
                 "The file is a memfd (memory-only, fileless code).",
                 {"linux"}},
                {"sha256", "string",
                 "SHA-256 of the whole mapped file, read through /proc/PID/map_files (works for "
                 "deleted files and memfds) or else from the path under the host root when its "
                 "device and inode match the mapping. Windows: of the image file at its path."},
                {"hash_note", "string",
                 "Why sha256 is null: hashing off, denied, not a regular file, shared memory, "
                 "'file on disk differs from the mapped one' (replaced, or a filesystem that "
                 "reports other device numbers to stat, e.g. btrfs subvolumes, overlayfs), ..."},
                {"signed",
                 "boolean",
                 "The image file has a valid Authenticode signature (embedded or in a system "
                 "catalog) chaining to a trusted root. Read with the process's own `signed` by "
                 "triage (IRS-MEM-003).",
                 {"windows"}},
                {"signature",
                 "string",
                 "Authenticode status: valid, unsigned, untrusted, expired, revoked, bad_digest or "
                 "error (see signature_note). Revocation is not fetched (no network).",
                 {"windows"}},
                {"signer",
                 "string",
                 "Subject common name of the signing certificate.",
                 {"windows"}},
                {"signature_source",
                 "string",
                 "Where the signature was found: embedded or catalog.",
                 {"windows"}},
                {"signature_note",
                 "string",
                 "Why the signature could not be checked.",
                 {"windows"}},
                {"anonymous_executable_count",
                 "integer",
                 "Executable ranges without a file (anonymous, [heap], [stack], [anon:NAME]); "
                 "anonymous_executable records only.",
                 {"linux"}},
                {"writable_executable_count",
                 "integer",
                 "Of those, ranges both writable and executable (rwx); anonymous_executable "
                 "records only.",
                 {"linux"}},
                {"escaped_fields", "string[]",
                 "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
                 "backslash)."},
            },
            "", "the mapped file")};
    return spec;
}

}  // namespace irsnap::collectors
