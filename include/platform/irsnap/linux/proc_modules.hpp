// SPDX-License-Identifier: Apache-2.0
// Pure parsers for the kernel module views: /proc/modules, the kernel taint mask
// (/proc/sys/kernel/tainted) and /lib/modules/<release>/modules.dep. Text in, values out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsnap::procfs {

/// One line of /proc/modules: "name size refcount users state address [(taint)]".
struct ProcModule {
    std::string name;
    uint64_t size = 0;
    std::optional<int64_t> refcount;     ///< unset when the kernel prints "-" (no module unloading)
    std::vector<std::string> used_by;    ///< modules that depend on this one ("-" means none)
    bool permanent = false;              ///< "[permanent]": has init but no exit, cannot unload
    std::string state;                   ///< Live, Loading, Unloading
    std::optional<std::string> address;  ///< unset when all zeroes (kptr_restrict, non-root)
    std::string taint;  ///< letters inside the trailing parentheses, e.g. "OE"; "" when none
};
/// Malformed lines are skipped and counted in `malformed` when given.
std::vector<ProcModule> parse_proc_modules(std::string_view text, size_t* malformed = nullptr);

/// One bit of the kernel taint mask, per Documentation/admin-guide/tainted-kernels.rst.
struct TaintFlag {
    unsigned bit = 0;
    char letter = '?';  ///< '?' for a bit this build does not know
    std::string meaning;
};
/// Every set bit of `mask`, lowest first.
std::vector<TaintFlag> decode_kernel_taint(uint64_t mask);

/// /proc/sys/kernel/tainted: one decimal number.
std::optional<uint64_t> parse_proc_sys_kernel_tainted(std::string_view text);

/// Module names treat '-' and '_' alike (the kernel stores '_'): the form to compare by.
std::string normalise_module_name(std::string_view name);

/// modules.dep: "path.ko[.xz|.zst|.gz]: dependency paths". Returns normalised module name ->
/// path as written (relative to /lib/modules/<release>/, or absolute); the first line for a
/// name wins, as with modprobe. Lines without ':' or a ".ko" file are counted as malformed.
std::map<std::string, std::string> parse_modules_dep(std::string_view text,
                                                     size_t* malformed = nullptr);

}  // namespace irsnap::procfs
