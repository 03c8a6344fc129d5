// SPDX-License-Identifier: Apache-2.0
// SysV init, rc.local, cron (system, cron.d, periodic scripts, user spools), anacron, at jobs,
// shell start-up files and update-motd scripts.
#include <sys/stat.h>

#include "autoruns_walk.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

namespace irsnap::collectors::autoruns_impl {
namespace {

using nlohmann::json;

bool executable(const Source& src) {
    return (src.st.st_mode & 0111) != 0;
}

/// One record for a shell script that runs or is sourced as a whole (read with
/// ReadText::script): its own path is the target, its code lines go into the record.
Entry file_entry(const char* category, const Source& src) {
    Entry e;
    e.category = category;
    e.command = src.path;
    e.target = TargetRule::self;
    e.script = true;
    return e;
}

/// Scripts in a run-parts directory: run only when executable and validly named.
void walk_run_parts(Walker& w, const std::string& dir, const char* category, const json& details) {
    std::string canonical;
    for (const auto& name : w.list(dir, category, canonical)) {
        if (w.ctx().should_stop()) return;
        auto src = w.read(child_path(canonical, name), ReadText::script);
        if (!src) continue;
        Entry e = file_entry(category, *src);
        e.user = "root";
        e.enabled = executable(*src) && run_parts_name(name);
        e.details = details;
        w.add(*src, std::move(e));
    }
}

void emit_crontab(Walker& w, const Source& src, bool system, const std::optional<std::string>& user,
                  std::optional<bool> enabled) {
    auto table = autoruns::parse_crontab(src.text, system);
    w.malformed(src, table.malformed);
    for (auto& c : table.entries) {
        Entry e;
        e.category = "cron";
        e.line = c.line;
        e.user = system ? std::optional<std::string>(c.user) : user;
        e.command = c.command;
        e.enabled = enabled;
        e.details = {{"schedule", c.schedule}};
        if (!c.environment.empty()) {
            json env = json::object();
            for (const auto& [k, v] : c.environment) env[k] = v;
            e.details["environment"] = env;
        }
        e.target = TargetRule::command;
        w.add(src, std::move(e));
    }
}

}  // namespace

void walk_sysv(Walker& w) {
    // A script is enabled when some runlevel starts it: /etc/rc?.d/S<NN><name> -> ../init.d/<name>.
    std::map<std::string, std::vector<std::string>> runlevels;
    for (const char* level : {"0", "1", "2", "3", "4", "5", "6", "S"}) {
        std::string canonical;
        const std::string dir = std::string("/etc/rc") + level + ".d";
        for (const auto& name : w.list(dir, "rc.d", canonical)) {
            if (name.empty() || name[0] != 'S') continue;
            int error = 0;
            auto target = w.fs().resolve(child_path(canonical, name), error);
            if (!target) continue;
            runlevels[target->substr(target->rfind('/') + 1)].push_back(level);
        }
    }
    std::string init_d;
    for (const auto& name : w.list("/etc/init.d", "init.d", init_d)) {
        if (w.ctx().should_stop()) return;
        auto src = w.read(child_path(init_d, name), ReadText::script);
        if (!src) continue;
        Entry e = file_entry("sysv_init", *src);
        e.user = "root";
        auto it = runlevels.find(name);
        e.enabled = it != runlevels.end();
        e.details = {{"runlevels", it != runlevels.end() ? json(it->second) : json::array()}};
        w.add(*src, std::move(e));
    }
    if (auto src = w.read("/etc/rc.local", ReadText::script)) {
        Entry e = file_entry("rc_local", *src);
        e.user = "root";
        e.enabled = executable(*src);  // systemd's rc-local generator wants it executable
        w.add(*src, std::move(e));
    }
}

void walk_cron(Walker& w) {
    if (auto src = w.read("/etc/crontab")) emit_crontab(w, *src, true, std::nullopt, std::nullopt);
    std::string canonical;
    for (const auto& name : w.list("/etc/cron.d", "cron.d", canonical)) {
        if (w.ctx().should_stop()) return;
        // cron skips cron.d files whose names run-parts would not run (e.g. *.dpkg-old).
        if (auto src = w.read(child_path(canonical, name))) {
            emit_crontab(w, *src, true, std::nullopt, run_parts_name(name));
        }
    }
    for (const char* period : {"hourly", "daily", "weekly", "monthly"}) {
        walk_run_parts(w, std::string("/etc/cron.") + period, "cron_script", {{"period", period}});
    }
    for (const auto& name : w.list("/var/spool/cron/crontabs", "spool", canonical)) {
        if (w.ctx().should_stop()) return;
        if (auto src = w.read(child_path(canonical, name))) {
            emit_crontab(w, *src, false, name, std::nullopt);
        }
    }
    if (auto src = w.read("/etc/anacrontab")) {
        auto table = autoruns::parse_anacrontab(src->text);
        w.malformed(*src, table.malformed);
        for (auto& a : table.entries) {
            Entry e;
            e.category = "anacron";
            e.line = a.line;
            e.user = "root";
            e.command = a.command;
            e.details = {{"period", a.period}, {"delay", a.delay}, {"job_id", a.job_id}};
            e.target = TargetRule::command;
            w.add(*src, std::move(e));
        }
    }
    for (const auto& name : w.list("/var/spool/cron/atjobs", "atjobs", canonical)) {
        if (w.ctx().should_stop()) return;
        if (name.empty() || name[0] == '.') continue;  // .SEQ: at's sequence counter
        auto src = w.read(child_path(canonical, name));
        if (!src) continue;
        auto job = autoruns::parse_at_job(src->text);
        Entry e;
        e.category = "at_job";
        e.uid = static_cast<int64_t>(src->st.st_uid);  // at runs the job as the file's owner
        if (job) {
            e.line = job->line;
            e.command = job->command;
        }
        // at marks a job executable when queued; it clears the bit while running it.
        e.enabled = executable(*src);
        e.details = {{"queue", name.substr(0, 1)}};
        e.target = TargetRule::command;
        w.add(*src, std::move(e));
    }
}

void walk_shell_startup(Walker& w) {
    auto add_file = [&](const std::string& path, const Account* account) {
        if (w.ctx().should_stop()) return;
        auto src = w.read(path, ReadText::script);
        if (!src) return;
        Entry e = file_entry("shell_startup", *src);
        if (account) {
            e.user = account->name;
            e.uid = account->uid;
        }
        e.details = {{"scope", account ? "user" : "system"}};
        w.add(*src, std::move(e));
    };
    add_file("/etc/profile", nullptr);
    std::string canonical;
    for (const auto& name : w.list("/etc/profile.d", "profile.d", canonical)) {
        add_file(child_path(canonical, name), nullptr);
    }
    add_file("/etc/bash.bashrc", nullptr);
    add_file("/etc/bashrc", nullptr);  // Red Hat's name for it
    // zsh: /etc/zsh/ on Debian, /etc/ itself on Red Hat and Arch.
    for (const char* file : {"zshenv", "zprofile", "zshrc", "zlogin"}) {
        add_file(std::string("/etc/zsh/") + file, nullptr);
        add_file(std::string("/etc/") + file, nullptr);
    }
    for (const auto& account : w.accounts()) {
        if (w.ctx().should_stop()) return;
        for (const char* file : {".bashrc", ".profile", ".bash_profile", ".bash_login", ".zshenv",
                                 ".zprofile", ".zshrc", ".zlogin"}) {
            add_file(child_path(account.home, file), &account);
        }
    }
}

void walk_motd(Walker& w) {
    walk_run_parts(w, "/etc/update-motd.d", "motd_script", json::object());
}

}  // namespace irsnap::collectors::autoruns_impl
