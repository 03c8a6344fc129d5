// SPDX-License-Identifier: Apache-2.0
// Pure parsers for the files where Linux persistence lives (cron, systemd units, authorized_keys,
// desktop entries, udev rules, preload/module lists, shell scripts). They take text, never throw
// on malformed input, count what they could not parse and report 1-based line numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsnap::autoruns {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// ---- cron (crontab.cpp) ---------------------------------------------------------------------

struct CronEntry {
    size_t line = 0;
    std::string schedule;  ///< five time fields joined by one space, or "@reboot", "@daily" ...
    std::string user;      ///< the user column of system crontabs; empty for user spools
    std::string command;
    KeyValues environment;  ///< NAME=value lines seen before this entry, in file order
};

struct CronTable {
    std::vector<CronEntry> entries;
    size_t malformed = 0;
};

/// A crontab: `/etc/crontab` and `/etc/cron.d/*` have a user column (`system` true), user spools
/// do not. Environment lines are attached to the entries that follow them.
CronTable parse_crontab(std::string_view text, bool system);

struct AnacronEntry {
    size_t line = 0;
    std::string period;  ///< days, or @monthly / @weekly / @daily / @yearly
    std::string delay;   ///< minutes
    std::string job_id;
    std::string command;
};

struct AnacronTable {
    std::vector<AnacronEntry> entries;
    size_t malformed = 0;
};

/// `/etc/anacrontab`: "period delay job-id command", plus NAME=value lines (skipped).
AnacronTable parse_anacrontab(std::string_view text);

// ---- systemd (systemd_unit.cpp) -------------------------------------------------------------

struct UnitDirective {
    size_t line = 0;  ///< first physical line of a continued directive
    std::string section;
    std::string key;
    std::string value;  ///< continuations joined with a space, surrounding blanks trimmed
};

struct UnitFile {
    std::vector<UnitDirective> directives;
    size_t malformed = 0;
};

/// A systemd unit file or drop-in: `[Section]` headers, `Key=Value` lines, `#`/`;` comments and
/// backslash line continuations (comment lines inside a continuation are skipped, as systemd
/// does).
UnitFile parse_systemd_unit(std::string_view text);

/// The command of an Exec*= value without systemd's leading prefixes (`-@:+!`), which change how
/// it runs but are not part of the executable's name.
std::string_view strip_exec_prefixes(std::string_view value);

// ---- authorized_keys (authorized_keys.cpp) --------------------------------------------------

struct AuthorizedKey {
    size_t line = 0;
    std::string text;  ///< the whole line, trimmed
    /// Options in file order; the value is unquoted (`\"` becomes `"`), nullopt for a flag.
    std::vector<std::pair<std::string, std::optional<std::string>>> options;
    std::string key_type;
    std::string key_base64;
    std::string comment;
};

struct AuthorizedKeys {
    std::vector<AuthorizedKey> keys;
    size_t malformed = 0;
};

/// OpenSSH `authorized_keys`: `[options] keytype base64 [comment]`, options separated by commas
/// outside double quotes.
AuthorizedKeys parse_authorized_keys(std::string_view text);

/// OpenSSH's fingerprint of a key blob: "SHA256:" + unpadded base64 of the SHA-256 of the decoded
/// blob. Empty when `base64` does not decode.
std::string ssh_key_fingerprint(std::string_view base64);

/// Standard base64 (padding optional); nullopt on any other character or a bad length.
std::optional<std::string> decode_base64(std::string_view text);

// ---- XDG desktop entries (desktop_entry.cpp) ------------------------------------------------

struct DesktopEntry {
    std::map<std::string, std::string> keys;  ///< the [Desktop Entry] group; first key wins
    std::map<std::string, size_t> lines;      ///< line of each key
    bool has_group = false;                   ///< a [Desktop Entry] group was seen
    size_t malformed = 0;
};

DesktopEntry parse_desktop_entry(std::string_view text);

// ---- udev rules (udev_rules.cpp) ------------------------------------------------------------

struct UdevAssignment {
    std::string key;    ///< e.g. RUN, RUN{program}, PROGRAM, IMPORT{program}, ENV{X}
    std::string op;     ///< ==, !=, =, +=, -=, :=
    std::string value;  ///< unquoted
};

struct UdevRule {
    size_t line = 0;
    std::vector<UdevAssignment> pairs;  ///< every key of the rule in order
};

struct UdevRules {
    std::vector<UdevRule> rules;
    size_t malformed = 0;
};

/// udev `.rules`: comma-separated `KEY op "value"` pairs per logical line (backslash continues).
UdevRules parse_udev_rules(std::string_view text);

/// True for the keys that make udev execute something: RUN (any form), PROGRAM,
/// IMPORT{program}.
bool udev_key_executes(std::string_view key);

// ---- simple lists (autoruns_lists.cpp) ------------------------------------------------------

struct ListItem {
    size_t line = 0;
    std::string value;
    std::string rest;  ///< what followed on the line (module arguments), trimmed
};

/// `/etc/ld.so.preload`: names separated by blanks or colons; `#` lines are skipped.
std::vector<ListItem> parse_ld_so_preload(std::string_view text);

/// `/etc/modules` and `modules-load.d/*.conf`: one module per line, `#` or `;` comments.
std::vector<ListItem> parse_modules_list(std::string_view text);

struct ModprobeHook {
    size_t line = 0;
    std::string hook;  ///< install or remove
    std::string module;
    std::string command;
};

struct ModprobeConf {
    std::vector<ModprobeHook> hooks;
    size_t malformed = 0;  ///< install/remove lines without a module or command
};

/// `modprobe.d/*.conf`: the `install` and `remove` lines (shell commands run by modprobe).
ModprobeConf parse_modprobe_conf(std::string_view text);

struct AtJob {
    size_t line = 0;      ///< first line of the job's own commands
    std::string command;  ///< the job's commands, one per line
};

/// An at(1) spool file: a generated shell script whose last part is the user's commands (between
/// `<< 'marcinDELIMITER...'` and the delimiter in Debian's at); without that marker, the last
/// non-comment line. Nullopt when there is no command at all.
std::optional<AtJob> parse_at_job(std::string_view text);

// ---- shell scripts (script_lines.cpp) -------------------------------------------------------

/// Code lines kept per script, and bytes kept per line: what an analyst reads offline and what
/// triage's rules look at, bounded whatever the file holds.
inline constexpr size_t k_max_script_lines = 200;
inline constexpr size_t k_max_script_line_bytes = 1024;
/// A NUL byte this close to the start: an executable, not a script.
inline constexpr size_t k_script_binary_probe_bytes = 1024;

struct ScriptLine {
    size_t line = 0;   ///< 1-based; the first physical line of a continued line
    std::string text;  ///< blanks trimmed, backslash-newline continuations joined as sh does
};

struct ScriptLines {
    std::vector<ScriptLine> lines;  ///< in file order
    bool more_lines = false;        ///< code lines past `max_lines` were left out
    bool cut_lines = false;         ///< some kept line was cut to `max_line_bytes`
    bool binary = false;            ///< a NUL byte near the start: not a script, no lines
    size_t binary_from = 0;         ///< a later line with a NUL byte (a payload) ended the scan
};

/// The code of a shell script (rc.local, init scripts, start-up files, run-parts scripts): its
/// lines that are neither blank nor comments (first non-blank character '#', the shebang too).
/// A line ending in an odd number of backslashes continues on the next one, as in sh; a comment
/// never continues. At most `max_lines` lines of at most `max_line_bytes` bytes each (a cut
/// backs off to a UTF-8 character start, by at most three bytes). Never expands or runs
/// anything; heredoc bodies are kept as lines like any other.
ScriptLines parse_script_lines(std::string_view text, size_t max_lines = k_max_script_lines,
                               size_t max_line_bytes = k_max_script_line_bytes);

/// The program a shell-like command line runs: its first word with quotes removed, after any
/// leading NAME=value assignments. Empty when there is none. Never executes or expands anything.
std::string command_program(std::string_view command);

// ---- programs the kernel runs (kernel_helpers.cpp) ------------------------------------------

/// One /proc/sys/fs/binfmt_misc/<name> file as fs/binfmt_misc.c prints it: "enabled" or
/// "disabled", "interpreter <path>", "flags: <letters>", then "offset <n>", "magic <hex>" and
/// "mask <hex>", or "extension .<ext>".
struct BinfmtMiscEntry {
    std::optional<bool> enabled;  ///< unset when neither word is there
    std::string interpreter;      ///< the rest of its line, spaces included
    std::string flags;            ///< P, O, C, F letters ("" when none)
    std::optional<uint64_t> offset;
    std::string magic, mask;  ///< hex as printed
    std::string extension;    ///< with its leading '.'
    size_t malformed = 0;     ///< lines that are none of the above
};
BinfmtMiscEntry parse_binfmt_misc_entry(std::string_view text);

/// /proc/sys/kernel/core_pattern: when it starts with '|' the kernel pipes each core dump to a
/// program run as root; that command line (after '|', blanks and the newline trimmed).
/// nullopt for a file name pattern.
std::optional<std::string> core_pattern_pipe_command(std::string_view text);

}  // namespace irsnap::autoruns
