// SPDX-License-Identifier: Apache-2.0
#include "physical_memory.hpp"

namespace irsnap::collectors {
namespace {

std::vector<FieldSpec> physical_memory_fields() {
    return {
        {"kind", "string",
         "source (one per way of reading RAM tried, in order: /proc/kcore, /dev/crash, "
         "/dev/mem), image (the acquisition, or why there is none) or range (one System RAM "
         "range of the image)"},
        {"source", "string",
         "source: the device or file tried; image: the one read (null when none could be)"},
        {"usable", "boolean", "source: it can be read for this host's RAM"},
        {"reason", "string",
         "source: why not (absent, lockdown, STRICT_DEVMEM, not root ...), or what it maps"},
        {"format", "string", "image: lime (32-byte range headers, magic 0x4C694D45)"},
        {"kernel_release", "string", "image: the running kernel's release (uname -r)"},
        {"kernel_version", "string", "image: the running kernel's build (uname -v)"},
        {"archive", "string",
         "image: the ZIP archive holding it (password: infected): <NN>_physical_memory.zip"},
        {"member", "string", "image: its member name, physical_memory.lime"},
        {"size", "integer", "image: bytes of the LiME file; range: bytes of RAM in the range"},
        {"sha256", "string",
         "image: SHA-256 of the LiME file as written (irsnap extract checks it); range: of the "
         "range's bytes (unreadable pages are zeros)"},
        {"ranges", "integer", "image: System RAM ranges in it (those of /proc/iomem)"},
        {"ram_bytes", "integer", "image: bytes of RAM in all its ranges"},
        {"start", "string", "range: first physical address (hex '0x...')"},
        {"end", "string", "range: the physical address after the last (hex)"},
        {"lime_offset", "integer", "range: offset of its 32-byte header in the LiME file"},
        {"bytes_read", "integer", "image and range: bytes read from the source"},
        {"unreadable_bytes", "integer", "image and range: bytes that could not be read (zeros)"},
        {"holes", "object[]",
         "range: unreadable parts, {start, end} (hex, end exclusive; first 16)"},
        {"started", "string", "image: when reading began (UTC)"},
        {"ended", "string", "image: when the last byte was written (UTC)"},
        {"seconds", "number", "image: how long reading and writing took"},
        {"status", "string",
         "image: acquired, partial (unreadable pages), interrupted (Ctrl-C or "
         "--timeout-per-collector: the rest is zeros), refused (no source can be read), "
         "disk_space (the output cannot hold it), not_stored, failed"},
        {"status_note", "string", "image: details of the status, in one line"},
    };
}

}  // namespace

const CollectorSpec& physical_memory_spec() {
    static const CollectorSpec spec = [] {
        CollectorSpec s{
            .name = "physical_memory",
            .description =
                "Physical memory, with --physical-memory only (it is as large as RAM): every "
                "System RAM range of /proc/iomem as one LiME image (Volatility, MemProcFS), read "
                "from /proc/kcore, else /dev/crash, else /dev/mem, with no kernel module. Stored "
                "only in a ZIP archive with the password 'infected' (docs/physical-memory.md).",
            .volatility_rank = 58,
            .why =
                "RFC 3227 ranks memory with the process table, but reading RAM takes minutes "
                "while every volatile view before it takes seconds: run first, it would let "
                "connections close and processes end before they were seen. Right after them "
                "and before anything on disk, it loses at most the seconds they took.",
            .platforms = {"linux"},
            .privileges =
                "root (CAP_SYS_RAWIO to read /proc/kcore or /dev/mem, CAP_SYS_ADMIN to see "
                "/proc/iomem's addresses); a kernel that is not locked down for "
                "confidentiality (/proc/kcore) or integrity (/dev/mem)",
            .without_privileges =
                "skips: one source record per way tried says why, and the image record's "
                "status is refused",
            .fields = physical_memory_fields(),
            .details =
                "Off by default; --physical-memory (or --collectors physical_memory) turns it "
                "on. The output's free space is checked first: the LiME file's full size plus "
                "256 MiB must fit (compression is not counted on), else status disk_space and "
                "nothing is written. A stream (-o -) or a sealed bundle announces the exact size "
                "and stores the image; a directory deflates it. Windows: physical memory needs "
                "a signed kernel driver, which irsnap does not carry (docs/windows.md)."};
        return s;
    }();
    return spec;
}

}  // namespace irsnap::collectors
