// SPDX-License-Identifier: Apache-2.0
// The files collector's list is data: what is copied, from where and why, in one table that
// `irsnap describe files` prints. Order matters: the evidence budget is spent top to bottom.
#include "files.hpp"

#include <fmt/format.h>

namespace irsnap::collectors {

const std::vector<FileRule>& file_rules() {
    static const std::vector<FileRule> rules = {
        // ---- Linux: persistence (the files autoruns parses)
        {"linux", "etc/crontab", "persistence", false, "system crontab"},
        {"linux", "etc/cron.d/*", "persistence", false, "cron drop-ins"},
        {"linux", "etc/anacrontab", "persistence", false, "anacron jobs"},
        {"linux", "var/spool/cron/crontabs/*", "persistence", false, "user crontabs (Debian)"},
        {"linux", "var/spool/cron/*", "persistence", false, "user crontabs (Red Hat)"},
        {"linux", "etc/cron.hourly/*", "persistence", false, "cron scripts"},
        {"linux", "etc/cron.daily/*", "persistence", false, "cron scripts"},
        {"linux", "etc/cron.weekly/*", "persistence", false, "cron scripts"},
        {"linux", "etc/cron.monthly/*", "persistence", false, "cron scripts"},
        {"linux", "etc/systemd/system/**/*.service", "persistence", false,
         "local unit files (package units live in /usr/lib)"},
        {"linux", "etc/systemd/system/**/*.timer", "persistence", false, "local timers"},
        {"linux", "etc/systemd/system/**/*.conf", "persistence", false, "unit drop-ins"},
        {"linux", "run/systemd/system/**/*", "persistence", false, "runtime units"},
        {"linux", "usr/local/lib/systemd/system/*", "persistence", false, "local units"},
        {"linux", "etc/systemd/system-generators/*", "persistence", false,
         "generators run at every boot"},
        {"linux", "usr/local/lib/systemd/system-generators/*", "persistence", false,
         "generators run at every boot"},
        {"linux", "~/.config/systemd/user/**/*", "persistence", false, "user units"},
        {"linux", "etc/rc.local", "persistence", false, "run at boot"},
        {"linux", "etc/init.d/*", "persistence", false, "SysV init scripts"},
        {"linux", "etc/profile", "persistence", false, "login shells source it"},
        {"linux", "etc/profile.d/*", "persistence", false, "login shells source them"},
        {"linux", "etc/bash.bashrc", "persistence", false, "interactive bash sources it"},
        {"linux", "etc/zsh/*", "persistence", false, "zsh start-up files"},
        {"linux", "etc/environment", "persistence", false, "every session's environment"},
        {"linux", "~/.bashrc", "persistence", false, "interactive bash sources it"},
        {"linux", "~/.bash_profile", "persistence", false, "login bash sources it"},
        {"linux", "~/.bash_login", "persistence", false, "login bash sources it"},
        {"linux", "~/.bash_logout", "persistence", false, "run at logout"},
        {"linux", "~/.profile", "persistence", false, "login shells source it"},
        {"linux", "~/.zshrc", "persistence", false, "interactive zsh sources it"},
        {"linux", "~/.zprofile", "persistence", false, "login zsh sources it"},
        {"linux", "~/.zshenv", "persistence", false, "every zsh sources it"},
        {"linux", "~/.ssh/authorized_keys", "persistence", false, "who may log in by key"},
        {"linux", "~/.ssh/authorized_keys2", "persistence", false, "who may log in by key"},
        {"linux", "etc/ld.so.preload", "persistence", false, "injected into every program"},
        {"linux", "etc/ld.so.conf", "persistence", false, "library search path"},
        {"linux", "etc/ld.so.conf.d/*", "persistence", false, "library search path"},
        {"linux", "etc/modules", "persistence", false, "modules loaded at boot"},
        {"linux", "etc/modules-load.d/*", "persistence", false, "modules loaded at boot"},
        {"linux", "etc/modprobe.d/*", "persistence", false, "module options and install hooks"},
        {"linux", "etc/udev/rules.d/*", "persistence", false, "RUN+= runs programs on events"},
        {"linux", "etc/xdg/autostart/*", "persistence", false, "desktop autostart"},
        {"linux", "~/.config/autostart/*", "persistence", false, "desktop autostart"},
        {"linux", "etc/update-motd.d/*", "persistence", false, "run at every login"},
        // ---- Linux: identity and access (never /etc/shadow, never private keys)
        {"linux", "etc/passwd", "identity", false, "accounts (no password hashes)"},
        {"linux", "etc/group", "identity", false, "groups (sudo, wheel, docker ...)"},
        {"linux", "etc/sudoers", "identity", false, "who may become root"},
        {"linux", "etc/sudoers.d/*", "identity", false, "who may become root"},
        {"linux", "etc/pam.d/*", "identity", false, "authentication stack (backdoor modules)"},
        {"linux", "etc/ssh/sshd_config", "identity", false, "SSH server settings"},
        {"linux", "etc/ssh/sshd_config.d/*", "identity", false, "SSH server settings"},
        {"linux", "etc/hosts", "identity", false, "name overrides"},
        // ---- Linux: user activity
        {"linux", "~/.bash_history", "activity", true, "commands typed"},
        {"linux", "~/.zsh_history", "activity", true, "commands typed"},
        {"linux", "~/.zhistory", "activity", true, "commands typed"},
        {"linux", "~/.local/share/fish/fish_history", "activity", true, "commands typed"},
        {"linux", "~/.python_history", "activity", true, "Python REPL"},
        {"linux", "~/.mysql_history", "activity", true, "MySQL client"},
        {"linux", "~/.psql_history", "activity", true, "PostgreSQL client"},
        {"linux", "~/.sqlite_history", "activity", true, "SQLite shell"},
        {"linux", "~/.node_repl_history", "activity", true, "Node.js REPL"},
        {"linux", "~/.rediscli_history", "activity", true, "Redis client"},
        {"linux", "~/.lesshst", "activity", true, "searches in less"},
        {"linux", "~/.viminfo", "activity", true, "files edited with vim"},
        {"linux", "~/.wget-hsts", "activity", false, "hosts wget reached"},
        {"linux", "~/.ssh/known_hosts", "activity", false, "hosts this user reached"},
        {"linux", "~/.ssh/config", "activity", false, "SSH client settings (jump hosts)"},
        // ---- Linux: logs, the last --max-log-bytes of each
        {"linux", "var/log/auth.log", "log", true, "logins, sudo, SSH (Debian)"},
        {"linux", "var/log/secure", "log", true, "logins, sudo, SSH (Red Hat)"},
        {"linux", "var/log/syslog", "log", true, "system log (Debian)"},
        {"linux", "var/log/messages", "log", true, "system log (Red Hat)"},
        {"linux", "var/log/audit/audit.log", "log", true, "auditd"},
        {"linux", "var/log/wtmp", "log", true, "logins (binary; `last -f`)"},
        {"linux", "var/log/btmp", "log", true, "failed logins (binary; `lastb -f`)"},
        {"linux", "var/log/lastlog", "log", true, "last login per uid (sparse; tail only)"},
        // ---- Windows: persistence
        {"windows", "Windows/System32/Tasks/**/*", "persistence", false, "scheduled task XML"},
        {"windows", "ProgramData/Microsoft/Windows/Start Menu/Programs/StartUp/*", "persistence",
         false, "Startup folder, all users"},
        {"windows", "~/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/*",
         "persistence", false, "Startup folder"},
        {"windows", "Windows/System32/drivers/etc/hosts", "identity", false, "name overrides"},
        // ---- Windows: user activity
        {"windows",
         "~/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt",
         "activity", true, "PowerShell commands typed"},
        // ---- Windows: event logs, whole up to --max-sample-bytes (the service holds them
        // open; a locked log is recorded as denied)
        {"windows", "Windows/System32/winevt/Logs/Security.evtx", "log", false, "logons"},
        {"windows", "Windows/System32/winevt/Logs/System.evtx", "log", false,
         "services installed, drivers"},
        {"windows", "Windows/System32/winevt/Logs/Microsoft-Windows-PowerShell%4Operational.evtx",
         "log", false, "script blocks"},
    };
    return rules;
}

bool glob_match(std::string_view pattern, std::string_view name) {
    // Iterative matcher with one backtrack point: linear for one '*', never exponential.
    size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
    while (n < name.size()) {
        // '*' first: a name may hold a literal '*', which must not consume the wildcard.
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = n;
        } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
            ++p;
            ++n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::string member_name_for(std::string_view relative_path) {
    std::string out;
    out.reserve(relative_path.size());
    for (unsigned char c : relative_path) {
        if (c >= 0x20 && c < 0x7f && c != '%' && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

}  // namespace irsnap::collectors
