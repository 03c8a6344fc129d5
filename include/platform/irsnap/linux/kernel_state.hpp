// SPDX-License-Identifier: Apache-2.0
// Pure parsers for kernel state read at run time: one /dev/kmsg record, the markers a rootkit
// leaves in the kernel log, the lockdown file and sysctl values. Text in, values out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsnap::procfs {

/// One record as a read() of /dev/kmsg returns it (Documentation/ABI/testing/dev-kmsg):
/// "PRI,SEQ,USEC,FLAG[,...];MESSAGE\n" then continuation lines " KEY=VALUE\n".
struct KmsgRecord {
    uint64_t seq = 0;
    unsigned facility = 0;  ///< PRI >> 3
    unsigned level = 0;     ///< PRI & 7 (0 emerg ... 7 debug)
    uint64_t usec = 0;      ///< CLOCK_MONOTONIC microseconds when it was logged
    std::string flag;       ///< '-' a whole record, 'c' a continued one, '+' its continuation
    std::string message;    ///< as the kernel wrote it: non-printable bytes are already \xNN text
    std::vector<std::pair<std::string, std::string>> properties;  ///< KEY=VALUE lines, in order
};
/// nullopt when the prefix is not four comma-separated fields before ';' (or a number is not
/// decimal); later prefix fields are ignored, as the ABI allows them to be added.
std::optional<KmsgRecord> parse_dev_kmsg_record(std::string_view text);

/// Names of the rootkit-relevant markers a kernel log message carries, e.g.
/// "module_verification_failed", "taints_kernel", "bpf_probe_write_user", "lockdown",
/// "bpf_trace_printk", "unprivileged_bpf"; empty for most messages.
std::vector<std::string> kmsg_markers(std::string_view message);

/// /sys/kernel/security/lockdown: "none [integrity] confidentiality". The bracketed word (the
/// current mode); nullopt when none is bracketed. `modes` receives every listed mode.
std::optional<std::string> parse_sys_kernel_security_lockdown(
    std::string_view text, std::vector<std::string>* modes = nullptr);

/// A /proc/sys value as text: trailing newlines and blanks dropped, tabs between the fields of
/// a multi-value sysctl (perf_event_paranoid is one; printk is four) kept.
std::string parse_proc_sys_value(std::string_view text);

/// A /proc/sys value that is one decimal integer (may be negative: perf_event_paranoid -1);
/// nullopt otherwise.
std::optional<int64_t> parse_proc_sys_integer(std::string_view text);

}  // namespace irsnap::procfs
