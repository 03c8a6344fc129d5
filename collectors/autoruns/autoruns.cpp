// SPDX-License-Identifier: Apache-2.0
#include "autoruns.hpp"

namespace irsnap::collectors {

const CollectorSpec& autoruns_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const CollectorSpec spec{
        .name = "autoruns",
        .description =
            "Persistence on disk, parsed entry by entry: systemd units, timers and generators, "
            "SysV init and rc.local, cron, anacron and at jobs, shell start-up files, "
            "ld.so.preload, kernel module loading and modprobe hooks, udev RUN/PROGRAM rules, "
            "XDG autostart, SSH authorized_keys and update-motd scripts, with the SHA-256 of "
            "each target executable.",
        .volatility_rank = 90,
        .why =
            "RFC 3227: files on disk are the least volatile evidence and wait while memory, "
            "network and process state are taken first.",
        .platforms = {"linux"},
        .privileges =
            "root, to read other users' homes, crontab and at spools and private "
            "unit files",
        .without_privileges =
            "degrades: world-readable places are listed; each unreadable file is an item "
            "error and their count is in coverage",
        .fields = {
            {"category", "string",
             "What kind of autorun: systemd_unit, systemd_timer, systemd_generator, sysv_init, "
             "rc_local, cron, cron_script, anacron, at_job, shell_startup, ld_so_preload, "
             "kernel_module, modprobe_hook, udev_rule, xdg_autostart, ssh_authorized_key, "
             "motd_script.",
             k_linux},
            {"source_path", "string",
             "The file the entry was read from, as a path on the examined host (never prefixed "
             "with --root); a symlink keeps its own name (its target is details.link_target).",
             k_linux},
            {"source_line", "integer",
             "1-based line of the entry in source_path (first line of a continued line); null "
             "for whole-file entries.",
             k_linux},
            {"user", "string",
             "Account the entry runs as (crontab user column, spool file name, systemd User=, "
             "home owner, at job owner; root for system-wide hooks); null when it runs for any "
             "user (system shell start-up files, global user units, ld.so.preload).",
             k_linux},
            {"uid", "integer", "User id of `user`, from the host's /etc/passwd, when known.",
             k_linux},
            {"command", "string",
             "What runs: the command line, Exec*= value (systemd prefixes kept), module name "
             "and arguments, preloaded library, whole authorized_keys line, or the script's own "
             "path for whole-file entries; for a timer, the unit it activates.",
             k_linux},
            {"target_path", "string",
             "The executable the command starts: its first word (after NAME=value assignments "
             "and systemd prefixes -@:+!), searched in /usr/local/sbin:/usr/local/bin:/usr/sbin:"
             "/usr/bin:/sbin:/bin (udev: /usr/lib/udev, /lib/udev first) under the host root, "
             "symlinks resolved inside it. The written path when absolute but missing; null "
             "when not found or not applicable. Nothing is ever executed.",
             k_linux},
            {"target_sha256", "string",
             "SHA-256 of target_path's file; null when missing, not a regular file, too large, "
             "unreadable or hashing is off.",
             k_linux},
            {"target_exists", "boolean",
             "Whether target_path exists on the host; null when the entry has no target.", k_linux},
            {"owner_uid", "integer", "Owner uid of the source file (of its symlink's target).",
             k_linux},
            {"mode", "string", "Permission bits of the source file in octal, e.g. \"0644\".",
             k_linux},
            {"mtime", "string", "Source file modification time (RFC 3339 UTC).", k_linux},
            {"ctime", "string", "Source file inode change time (RFC 3339 UTC).", k_linux},
            {"enabled", "boolean",
             "Whether it will run: systemd unit linked from a *.wants/ or *.requires/ directory; "
             "SysV script linked from /etc/rc?.d/S*; run-parts scripts and cron.d files with a "
             "valid name (and executable); rc.local, generators and at jobs executable; XDG "
             "entry not Hidden=true nor X-GNOME-Autostart-enabled=false. Null where it does not "
             "apply.",
             k_linux},
            {"details", "object",
             "Category-specific extras: unit, directive, scope, drop_in, link_target; timer "
             "activates and [Timer] keys; cron schedule and environment; anacron period, delay, "
             "job_id; sysv runlevels; ssh key_type, comment, options, fingerprint; udev key, "
             "operator, match; modprobe hook and module; desktop entry keys.",
             k_linux},
            {"escaped_fields", "string[]",
             "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
             "backslash).",
             k_linux},
        }};
    return spec;
}

}  // namespace irsnap::collectors
