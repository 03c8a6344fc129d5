// SPDX-License-Identifier: Apache-2.0
// Pure parsers for /proc files, named after the file they parse. They take the file's text and
// never touch the file system, so they are tested with literal strings and fuzzed.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsnap::procfs {

/// /proc/PID/stat. `comm` may contain spaces and ')': it is taken up to the LAST ')'.
struct PidStat {
    int64_t pid = 0;
    std::string comm;
    char state = '?';
    int64_t ppid = 0;
    int64_t pgrp = 0;
    int64_t session = 0;
    int64_t tty_nr = 0;
    int64_t tpgid = 0;
    uint64_t flags = 0;  ///< PF_* flags (field 9); PF_KTHREAD marks kernel threads
    int64_t priority = 0;
    int64_t nice = 0;
    int64_t num_threads = 0;
    uint64_t starttime_ticks = 0;  ///< clock ticks after boot (field 22)
    uint64_t vsize_bytes = 0;
    int64_t rss_pages = 0;
};
std::optional<PidStat> parse_proc_pid_stat(std::string_view text);

inline constexpr uint64_t k_pf_kthread = 0x00200000;

/// /proc/PID/status: the fields irsnap uses. Absent keys stay unset.
struct PidStatus {
    std::optional<std::string> name;
    std::optional<int64_t> tgid;  ///< thread group (process) id: differs from the pid for a thread
    std::optional<std::array<int64_t, 4>> uid;  ///< real, effective, saved, filesystem
    std::optional<std::array<int64_t, 4>> gid;
    std::optional<int64_t> ppid;
    std::optional<int64_t> threads;
    std::optional<uint64_t> cap_eff;
    std::optional<int64_t> vm_rss_kb;
};
PidStatus parse_proc_pid_status(std::string_view text);

/// /proc/PID/cmdline: NUL-separated raw bytes; a trailing NUL does not add an empty argument.
std::vector<std::string> parse_proc_pid_cmdline(std::string_view bytes);

/// /proc/PID/environ: NUL-separated KEY=VALUE; entries without '=' keep an empty value.
std::vector<std::pair<std::string, std::string>> parse_proc_pid_environ(std::string_view bytes);

/// `btime` (boot time, seconds since the epoch) from /proc/stat.
std::optional<int64_t> parse_proc_stat_btime(std::string_view text);

/// One line of /proc/PID/mountinfo; octal escapes (\040) in paths are decoded.
struct MountInfo {
    int64_t mount_id = 0;
    int64_t parent_id = 0;
    uint32_t major = 0;
    uint32_t minor = 0;
    std::string root;
    std::string mount_point;
    std::string mount_options;
    std::vector<std::string> optional_fields;
    std::string fs_type;
    std::string source;
    std::string super_options;
};
/// Malformed lines are skipped and counted in `malformed` when given.
std::vector<MountInfo> parse_proc_pid_mountinfo(std::string_view text, size_t* malformed = nullptr);

/// One line of /proc/PID/cgroup: "hierarchy-ID:controller-list:cgroup-path".
struct CgroupEntry {
    int64_t hierarchy = 0;
    std::string controllers;
    std::string path;
};
std::vector<CgroupEntry> parse_proc_pid_cgroup(std::string_view text);

/// The inode from a namespace link target such as "net:[4026531840]".
std::optional<uint64_t> parse_proc_pid_ns_link(std::string_view target);

/// /proc/uptime: seconds up and idle.
std::optional<std::pair<double, double>> parse_proc_uptime(std::string_view text);

/// /proc/loadavg.
struct LoadAvg {
    double one = 0, five = 0, fifteen = 0;
    int64_t runnable = 0, total = 0, last_pid = 0;
};
std::optional<LoadAvg> parse_proc_loadavg(std::string_view text);

/// /proc/meminfo, values converted to bytes where the unit is kB.
std::map<std::string, uint64_t> parse_proc_meminfo(std::string_view text);

/// Names of the capabilities set in a CapEff/CapPrm mask, e.g. "cap_sys_ptrace".
std::vector<std::string> capability_names(uint64_t mask);

/// The kernel's name for a tty_nr (dev_t) from stat: "pts/3", "tty1", "ttyS0", or "" for none.
std::string tty_name(int64_t tty_nr);

/// Strips a trailing ` (deleted)` the kernel appends to unlinked targets. Only a hint: a file can
/// be named that way; deletion is decided by st_nlink.
std::string_view strip_deleted_suffix(std::string_view target, bool* had_suffix);

}  // namespace irsnap::procfs
