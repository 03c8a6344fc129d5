// SPDX-License-Identifier: Apache-2.0
#include "autoruns.hpp"
#include "common/package_fields.hpp"

namespace irsnap::collectors {

const CollectorSpec& autoruns_spec() {
    static const std::vector<std::string> k_linux{"linux"};
    static const std::vector<std::string> k_windows{"windows"};
    static const CollectorSpec spec{
        .name = "autoruns",
        .description =
            "Persistence on disk, parsed entry by entry: systemd units, timers and generators, "
            "SysV init and rc.local, cron, anacron and at jobs, shell start-up files, "
            "ld.so.preload, kernel module loading and modprobe hooks, udev RUN/PROGRAM rules, "
            "XDG autostart, SSH authorized_keys, update-motd scripts and the programs the "
            "kernel runs (core_pattern pipe, modprobe, uevent helper, binfmt_misc "
            "interpreters) on Linux; Run keys, "
            "services and drivers, scheduled tasks, Startup folders, Winlogon, AppInit_DLLs, "
            "IFEO debuggers and BootExecute on Windows; with the SHA-256 of each target "
            "executable.",
        .volatility_rank = 90,
        .why =
            "RFC 3227: files on disk are the least volatile evidence and wait while memory, "
            "network and process state are taken first.",
        .platforms = {"linux", "windows"},
        .privileges =
            "root, to read other users' homes, crontab and at spools and private "
            "unit files; on Windows an administrator, for other users' profiles and task files",
        .without_privileges =
            "degrades: world-readable places are listed; each unreadable file or key is an "
            "item error and their count is in coverage",
        .fields = with_package_fields(
            {
                {"category", "string",
                 "What kind of autorun. Linux: systemd_unit, systemd_timer, systemd_generator, "
                 "sysv_init, rc_local, cron, cron_script, anacron, at_job, shell_startup, "
                 "ld_so_preload, kernel_module, modprobe_hook, udev_rule, xdg_autostart, "
                 "ssh_authorized_key, motd_script, and the programs the kernel itself runs: "
                 "core_pattern (the core dump pipe, /proc/sys/kernel/core_pattern starting "
                 "with '|'), kernel_modprobe (/proc/sys/kernel/modprobe), uevent_helper "
                 "(/sys/kernel/uevent_helper, else /proc/sys/kernel/hotplug, when not empty), "
                 "binfmt_misc (an interpreter registered in /proc/sys/fs/binfmt_misc). Windows: "
                 "run_key, service, scheduled_task, "
                 "startup_folder, winlogon, appinit_dll, ifeo_debugger, silent_process_exit, "
                 "boot_execute."},
                {"source_path", "string",
                 "Where the entry was read: a file path on the examined host (Linux: never "
                 "prefixed "
                 "with --root; a symlink keeps its own name, its target is details.link_target), "
                 "or "
                 "on Windows a registry key as HKLM\\..., HKLM\\SOFTWARE\\WOW6432Node\\... (the "
                 "32-bit view) or HKU\\<SID>\\... (a loaded user hive)."},
                {"source_line", "integer",
                 "1-based line of the entry in source_path (first line of a continued line); null "
                 "for whole-file entries.",
                 k_linux},
                {"value_name", "string",
                 "The registry value the entry was read from (Run value name, ImagePath, Shell, "
                 "Debugger ...); null for files.",
                 k_windows},
                {"value_type", "string",
                 "Its registry type: REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ ...", k_windows},
                {"user", "string",
                 "Account the entry runs as. Linux: crontab user column, spool file name, systemd "
                 "User=, home owner, at job owner; root for system-wide hooks; null when it runs "
                 "for "
                 "any user. Windows: the owner of the user hive or profile (DOMAIN\\name), a "
                 "service's ObjectName, a task principal's UserId (else GroupId); null for "
                 "machine-wide entries."},
                {"uid", "integer", "User id of `user`, from the host's /etc/passwd, when known.",
                 k_linux},
                {"user_sid", "string",
                 "SID of `user` when known (hive, profile or task principal).", k_windows},
                {"command", "string",
                 "What runs. Linux: the command line, Exec*= value (systemd prefixes kept), module "
                 "name and arguments, preloaded library, whole authorized_keys line, or the "
                 "script's "
                 "own path for whole-file entries (its code is in script_lines); for a timer, the "
                 "unit "
                 "it activates. Windows: the value's data as text (environment strings not "
                 "expanded; "
                 "binary as hex), a service's ImagePath, a task's Command and Arguments (or a COM "
                 "handler's ClassId), a shortcut's target and arguments, one item of a list value "
                 "(Userinit, AppInit_DLLs, BootExecute)."},
                {"target_path", "string",
                 "The file the command starts. Linux: its first word (after NAME=value assignments "
                 "and systemd prefixes -@:+!), searched in "
                 "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                 "/usr/bin:/sbin:/bin (udev: /usr/lib/udev, /lib/udev first) under the host root, "
                 "symlinks resolved inside it. Windows: environment strings expanded (the hive "
                 "owner's %APPDATA%, %TEMP% ...), \\SystemRoot\\, \\??\\ and System32\\ "
                 "relative forms normalised; a quoted program as quoted, an unquoted one tried "
                 "prefix by prefix at spaces, shortest first with .exe appended, as CreateProcess "
                 "does; a bare name in System32 and the Windows directory; rundll32's DLL; a "
                 "service's ServiceDll; a COM handler's InprocServer32. The written path when "
                 "absolute but missing; null when not found or not applicable. Nothing is ever "
                 "executed."},
                {"target_sha256", "string",
                 "SHA-256 of target_path's file; null when missing, not a regular file, too large, "
                 "unreadable or hashing is off."},
                {"target_hash_note", "string",
                 "Why target_sha256 is null (denied, skipped, too large).", k_windows},
                {"target_exists", "boolean",
                 "Whether target_path exists on the host; null when the entry has no target."},
                {"target_size", "integer", "Size of the target file in bytes.", k_windows},
                {"target_mtime", "string", "Target file's last write time (RFC 3339 UTC).",
                 k_windows},
                {"target_created", "string", "Target file's creation time (RFC 3339 UTC).",
                 k_windows},
                {"signed", "boolean",
                 "The target carries a valid Authenticode signature (embedded or by catalog).",
                 k_windows},
                {"signature", "string",
                 "Signature status: valid, unsigned, untrusted, expired, revoked, bad_digest, or "
                 "error (not checked).",
                 k_windows},
                {"signer", "string", "Subject common name of the signing certificate.", k_windows},
                {"owner_uid", "integer", "Owner uid of the source file (of its symlink's target).",
                 k_linux},
                {"mode", "string", "Permission bits of the source file in octal, e.g. \"0644\".",
                 k_linux},
                {"mtime", "string",
                 "Source modification time (RFC 3339 UTC): the file's, or on Windows the registry "
                 "key's last write time; null for a /proc or /sys source (its times are when the "
                 "kernel made the inode)."},
                {"ctime", "string",
                 "Source file change time (RFC 3339 UTC): Linux inode change, Windows NTFS "
                 "ChangeTime; null for registry keys, which keep only a last write time, and for "
                 "/proc and /sys sources."},
                {"created", "string", "Source file creation time (RFC 3339 UTC).", k_windows},
                {"enabled", "boolean",
                 "Whether it will run: systemd unit linked from a *.wants/ or *.requires/ "
                 "directory; "
                 "SysV script linked from /etc/rc?.d/S*; run-parts scripts and cron.d files with a "
                 "valid name (and executable); rc.local, generators and at jobs executable; XDG "
                 "entry not Hidden=true nor X-GNOME-Autostart-enabled=false. Null where it does "
                 "not "
                 "apply.",
                 k_linux},
                {"details", "object",
                 "Category-specific extras. Linux: unit, directive, scope, drop_in, link_target; "
                 "timer activates and [Timer] keys; cron schedule and environment; anacron period, "
                 "delay, job_id; sysv runlevels; ssh key_type, comment, options, fingerprint; udev "
                 "key, operator, match; modprobe hook and module; desktop entry keys; binfmt_misc "
                 "name, flags, offset, magic, mask, extension and binfmt_misc_enabled (the "
                 "global status switch). Windows: "
                 "registry_view (64/32), data_note (odd registry data); services service_name, "
                 "display_name, start (boot/system/auto/demand/disabled), type, type_names, group, "
                 "service_dll, driver_object; tasks task_path, action, arguments, "
                 "working_directory, class_id, com_server, triggers (type, enabled, "
                 "start_boundary, user_id, delay, schedule, interval), run_level, logon_type, "
                 "hidden, author, uri; shortcuts link_target, link_arguments, link_working_dir; "
                 "via "
                 "(rundll32)."},
                {"preload_hooks", "string[]",
                 "ld_so_preload: the libc functions the library exports over libc's own, from "
                 "its ELF dynamic symbol table (defined GLOBAL or WEAK functions), among those "
                 "user-space rootkits hook: readdir, opendir, fopen, open, stat, accept, "
                 "pam_authenticate, crypt, execve, unlink, pututline ... (docs/hidden-processes.md "
                 "has "
                 "the list). Read as bytes, never loaded. Empty when it hooks none of them; null "
                 "for other categories and when the library was not read (preload_hooks_note).",
                 k_linux},
                {"preload_techniques", "string[]",
                 "ld_so_preload: what those hooks are for, in this order: process_hiding, "
                 "file_hiding (files and sockets), backdoor, credential_theft, exec_hook, "
                 "anti_forensics, login_hiding. Null with preload_hooks.",
                 k_linux},
                {"preload_hooks_note", "string",
                 "ld_so_preload: why preload_hooks is null or partial: not an absolute path, "
                 "missing, not a regular file, larger than 64 MiB, not ELF, neither a .dynsym "
                 "section nor a dynamic segment that can be read, more than 65536 symbols. Null "
                 "when it was read whole.",
                 k_linux},
                {"script_lines", "string[]",
                 "The code of a shell script record (categories rc_local, sysv_init, "
                 "shell_startup, "
                 "cron_script, motd_script): its lines that are neither blank nor comments (a "
                 "first non-blank '#', the shebang too), blanks trimmed, a line continued with a "
                 "trailing backslash joined with the next as sh does; at most the first 200 such "
                 "lines, each cut at 1024 bytes (script_note says when anything was left out). "
                 "Read, never executed or expanded. Null for other categories, and for a script "
                 "that is binary or could not be read.",
                 k_linux},
                {"script_line_numbers", "integer[]",
                 "1-based line in source_path of each script_lines entry (the first line of a "
                 "continued one); null with script_lines.",
                 k_linux},
                {"script_note", "string",
                 "Why script_lines is not the whole script: \"truncated: ...\" (more than 200 code "
                 "lines, a line longer than 1024 bytes, binary data after the code, or a file over "
                 "1 MiB of which only the start was read), \"binary: not a text script\" (a NUL "
                 "byte "
                 "in its first 1024 bytes, e.g. an executable; script_lines null), or "
                 "\"unreadable: <reason>\" (also an item error). Null when script_lines is "
                 "complete, and for records that are not scripts.",
                 k_linux},
                {"escaped_fields", "string[]",
                 "Fields whose text was not valid UTF-8 and was escaped (\\xHH bytes, \\\\ for "
                 "backslash).",
                 k_linux},
            },
            "target_", "the target")};
    return spec;
}

}  // namespace irsnap::collectors
