// SPDX-License-Identifier: Apache-2.0
#include "kernel_modules.hpp"
#include "common/package_fields.hpp"

namespace irsnap::collectors {

const CollectorSpec& kernel_modules_spec() {
    static const CollectorSpec spec{
        .name = "kernel_modules",
        .description =
            "Kernel modules from /proc/modules cross-checked with /sys/module and, on a live "
            "host with BPF, the kernel's symbol table (iter/ksym), each with its file (from "
            "modules.dep) hashed. Two record kinds: one 'kernel' record first (taint "
            "mask decoded, release, whether modules are supported), then one 'module' record "
            "per module in any view. /sys and /lib/modules are read under the host root. "
            "Windows: one 'module' record per loaded driver (EnumDeviceDrivers), its image "
            "name normalised to a Win32 path, hashed and with its Authenticode status.",
        .volatility_rank = 55,
        .why =
            "RFC 3227 loaded modules: kernel modules change only on load or unload, less often "
            "than process mappings; read before anything that lives only on disk.",
        .platforms = {"linux", "windows"},
        .privileges =
            "root to see module load addresses (kptr_restrict shows zeroes otherwise); "
            "Windows: an administrator (SeDebugPrivilege) for the addresses",
        .without_privileges = "degrades: address is null, everything else is readable",
        .fields = with_package_fields(
            {
                {"kind", "string", "Record kind: 'kernel' or 'module' (Windows: always 'module')."},
                {"kernel_release",
                 "string",
                 "Kernel release (/proc/sys/kernel/osrelease); kernel record only.",
                 {"linux"}},
                {"tainted",
                 "integer",
                 "Kernel taint mask (/proc/sys/kernel/tainted); kernel record only.",
                 {"linux"}},
                {"taint_flags",
                 "object[]",
                 "Decoded taint mask: bit, letter, meaning (tainted-kernels.rst); kernel record "
                 "only.",
                 {"linux"}},
                {"loadable_modules",
                 "boolean",
                 "The kernel supports loadable modules (/proc/modules and "
                 "/proc/sys/kernel/modules_disabled exist); false for a kernel built without "
                 "module support, which is a fact, not missing coverage; kernel record only.",
                 {"linux"}},
                {"module_support",
                 "string",
                 "The kernel's module support in words: 'loadable modules', 'loadable modules; "
                 "loading disabled until reboot (modules_disabled = 1)' or 'kernel built without "
                 "module support'; null when /proc/modules is missing although the kernel has "
                 "module support (an item error says so); kernel record only.",
                 {"linux"}},
                {"name", "string",
                 "Module name as the kernel stores it ('_' for '-'); Windows: the driver's base "
                 "name (GetDeviceDriverBaseNameW, e.g. 'tcpip.sys')."},
                {"size", "integer", "Module core size in bytes.", {"linux"}},
                {"refcount",
                 "integer",
                 "Reference count; null when the kernel cannot unload modules.",
                 {"linux"}},
                {"used_by", "string[]", "Modules that depend on this one.", {"linux"}},
                {"permanent", "boolean", "Has init but no exit: can never be unloaded.", {"linux"}},
                {"state",
                 "string",
                 "Live, Loading or Unloading (/proc/modules); sysfs initstate (live, coming, "
                 "going) for a module only in /sys/module.",
                 {"linux"}},
                {"address", "string",
                 "Load address ('0x...'); null when the kernel hides it (all zeroes for non-root; "
                 "Windows: without SeDebugPrivilege)."},
                {"taint",
                 "string",
                 "Module taint letters, e.g. 'OE' (out-of-tree, unsigned); '' when none.",
                 {"linux"}},
                {"in_proc_modules", "boolean", "Listed in /proc/modules.", {"linux"}},
                {"in_sys_module",
                 "boolean",
                 "Has /sys/module/<name> under the host root; null when sysfs is not readable.",
                 {"linux"}},
                {"in_kernel_symbols",
                 "boolean",
                 "Owns symbols in the kernel's symbol table, read through BPF (iter/ksym, Linux "
                 "6.0+); null when that view was not read (coverage says why). False alone is no "
                 "discrepancy: a fully stripped module has no symbols.",
                 {"linux"}},
                {"cross_view_discrepancy",
                 "boolean",
                 "Seen in one view and not another, after a re-check: a rootkit that unlinks "
                 "itself from the module list often stays in sysfs or the symbol table, or the "
                 "reverse.",
                 {"linux"}},
                {"discrepancy",
                 "string",
                 "Which view lacks the module; null when none.",
                 {"linux"}},
                {"file_path", "string",
                 "Module file from /lib/modules/<release>/modules.dep (may be .ko.xz/.ko.zst), as "
                 "an absolute path on the host; null when not listed. Windows: the driver's image "
                 "name as a Win32 path (\\SystemRoot\\... under the Windows directory, "
                 "\\??\\C:\\... as C:\\...); null when it names no file."},
                {"raw_path",
                 "string",
                 "The driver's image name as the kernel records it (GetDeviceDriverFileNameW).",
                 {"windows"}},
                {"file_size", "integer", "Size of the driver file in bytes.", {"windows"}},
                {"signed",
                 "boolean",
                 "The driver file has a valid Authenticode signature (embedded or in a system "
                 "catalog) chaining to a trusted root.",
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
                {"sha256", "string", "SHA-256 of the module file on disk (not of loaded memory)."},
                {"hash_note", "string", "Why sha256 is null."},
                {"srcversion", "string", "/sys/module/<name>/srcversion when present.", {"linux"}},
                {"version", "string", "/sys/module/<name>/version when present.", {"linux"}},
                {"escaped_fields",
                 "string[]",
                 "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
                 "backslash); every element of used_by when one needed it.",
                 {"linux"}},
            },
            "file_", "the module file")};
    return spec;
}

}  // namespace irsnap::collectors
