// SPDX-License-Identifier: Apache-2.0
#include "system.hpp"

namespace irsnap::collectors {

const CollectorSpec& system_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "system",
        .description =
            "Time anchor and host state: clocks, boot, uptime, load, memory, mounted "
            "file systems, logged-in sessions and (Linux) the package databases read. One "
            "record per item, typed by record_type (clock, load, memory, mount, session, "
            "packages).",
        .volatility_rank = 0,
        .why =
            "Runs first: its clock readings are the anchor every later timestamp is placed "
            "against (RFC 3227: record the skew between system time and real time).",
        .platforms = {"linux", "windows"},
        .privileges = "none",
        .without_privileges = "full coverage",
        .fields = {
            {"record_type", "string", "clock | load | memory | mount | session | packages."},
            // clock
            {"realtime", "string", "clock: CLOCK_REALTIME as UTC RFC 3339."},
            {"realtime_ns", "integer", "clock: CLOCK_REALTIME in ns since the epoch."},
            {"monotonic_ns", "integer", "clock: CLOCK_MONOTONIC in ns."},
            {"boottime_ns", "integer", "clock: CLOCK_BOOTTIME in ns (counts suspend)."},
            {"boot_time", "string", "clock: boot time computed as realtime - boottime, UTC."},
            {"boot_time_btime", "string", "clock: boot time from /proc/stat btime (1 s).", k_linux},
            {"boot_id", "string", "clock: random id of this boot.", k_linux},
            {"uptime_seconds", "number", "clock: seconds since boot."},
            {"idle_seconds", "number", "clock: summed idle time of all CPUs.", k_linux},
            // load
            {"load_1", "number", "load: 1-minute load average.", k_linux},
            {"load_5", "number", "load: 5-minute load average.", k_linux},
            {"load_15", "number", "load: 15-minute load average.", k_linux},
            {"runnable", "integer", "load: runnable scheduling entities.", k_linux},
            {"tasks", "integer", "load: scheduling entities (threads) in total.", k_linux},
            {"last_pid", "integer", "load: most recently assigned pid.", k_linux},
            // memory
            {"mem_total_bytes", "integer", "memory: total usable RAM."},
            {"mem_free_bytes", "integer", "memory: free RAM."},
            {"mem_available_bytes", "integer", "memory: estimate available for new work."},
            {"swap_total_bytes", "integer", "memory: total swap."},
            {"swap_free_bytes", "integer", "memory: free swap."},
            // mount
            {"mount_id", "integer", "mount: unique mount id.", k_linux},
            {"parent_id", "integer", "mount: id of the parent mount.", k_linux},
            {"device", "string", "mount: major:minor of the file system.", k_linux},
            {"fs_root", "string", "mount: root of the mount within its file system.", k_linux},
            {"mount_point", "string", "mount: where it is mounted."},
            {"mount_options", "string", "mount: per-mount options.", k_linux},
            {"fs_type", "string", "mount: file system type."},
            {"source", "string", "mount: source device or name."},
            {"super_options", "string", "mount: per-superblock options.", k_linux},
            // session: utmp on Linux, LSA logon sessions on Windows
            {"user", "string", "session: user name (utmp; Windows: DOMAIN\\user)."},
            {"line", "string", "session: terminal line (pts/0, tty1 ...).", k_linux},
            {"host", "string", "session: remote host for remote logins.", k_linux},
            {"address", "string", "session: remote IP address, if recorded.", k_linux},
            {"pid", "integer", "session: pid of the login process.", k_linux},
            {"login_time", "string", "session: login time, UTC RFC 3339."},
            {"session_type", "string",
             "session: utmp record type (USER_PROCESS ...); Windows: logon type (interactive, "
             "remote_interactive, network, service, batch ...)."},
            {"logon_id", "string", "session: LSA logon id (LUID, hex).", k_windows},
            {"terminal_session", "integer", "session: terminal session id.", k_windows},
            {"auth_package", "string", "session: authentication package (NTLM, Kerberos ...).",
             k_windows},
            {"logon_server", "string", "session: server that authenticated the logon.", k_windows},
            {"user_sid", "string", "session: the user's SID.", k_windows},
            // packages: the package index other collectors' package verdicts come from
            {"distribution", "string", "packages: os-release PRETTY_NAME.", k_linux},
            {"package_managers", "string[]", "packages: databases found and read (dpkg, rpm, apk).",
             k_linux},
            {"packages_indexed", "integer", "packages: packages in those databases.", k_linux},
            {"paths_indexed", "integer", "packages: paths they list (files, links, directories).",
             k_linux},
            {"index_seconds", "number", "packages: time to read the databases.", k_linux},
            {"package_notes", "string[]",
             "packages: what could not be read, and why (also coverage notes).", k_linux},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was "
             "escaped."},
        }};
    return spec;
}

}  // namespace irsnap::collectors
