// SPDX-License-Identifier: Apache-2.0
// systemd units, timers and generators, system-wide and per user.
#include <algorithm>
#include <set>

#include "autoruns_walk.hpp"
#include "irsnap/linux/autoruns_parsers.hpp"

namespace irsnap::collectors::autoruns_impl {
namespace {

using nlohmann::json;

constexpr const char* k_system_unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                              "/usr/lib/systemd/system", "/lib/systemd/system"};
constexpr const char* k_user_unit_dirs[] = {"/etc/systemd/user", "/usr/lib/systemd/user"};
constexpr const char* k_generator_bases[] = {
    "/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd", "/lib/systemd"};
constexpr std::string_view k_exec_keys[] = {"ExecStart",     "ExecStartPre", "ExecStartPost",
                                            "ExecCondition", "ExecReload",   "ExecStop",
                                            "ExecStopPost"};
constexpr std::string_view k_unit_suffixes[] = {".service", ".socket",    ".timer", ".path",
                                                ".mount",   ".automount", ".swap",  ".target"};

bool unit_name_ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_unit_name(std::string_view name) {
    return std::any_of(
        std::begin(k_unit_suffixes), std::end(k_unit_suffixes),
        [&](std::string_view s) { return name.size() > s.size() && unit_name_ends_with(name, s); });
}

/// Who a unit's commands run as, and where it was found.
struct Scope {
    const char* name;  ///< "system" or "user"
    std::optional<std::string> user;
    std::optional<int64_t> uid;
};

/// Units linked from *.wants/ and *.requires/ directories. A linked instance (getty@tty1.service)
/// enables its template (getty@.service) too.
void collect_enabled(Walker& w, const std::vector<std::string>& dirs, const std::string& tag,
                     std::set<std::string>& out) {
    for (const auto& dir : dirs) {
        std::string canonical;
        for (const auto& name : w.list(dir, tag + ":wants", canonical)) {
            if (!unit_name_ends_with(name, ".wants") && !unit_name_ends_with(name, ".requires"))
                continue;
            std::string sub;
            for (const auto& unit : w.list(child_path(canonical, name), tag + ":wants", sub)) {
                out.insert(unit);
                size_t at = unit.find('@'), dot = unit.rfind('.');
                if (at != std::string::npos && dot != std::string::npos && dot > at + 1) {
                    out.insert(unit.substr(0, at + 1) + unit.substr(dot));
                }
            }
        }
    }
}

void emit_unit(Walker& w, const Source& src, const std::string& unit_name, bool enabled,
               const Scope& scope, bool drop_in) {
    auto unit = autoruns::parse_systemd_unit(src.text);
    w.malformed(src, unit.malformed);
    std::optional<std::string> user = scope.user;
    std::optional<int64_t> uid = scope.uid;
    if (std::string_view(scope.name) == "system") {
        user = "root";
        uid.reset();
        for (const auto& d : unit.directives) {
            if (d.section != "Service" || d.key != "User" || d.value.empty()) continue;
            const bool numeric = std::all_of(d.value.begin(), d.value.end(),
                                             [](char c) { return c >= '0' && c <= '9'; });
            if (numeric && d.value.size() < 10) {
                user.reset();
                uid = std::stoll(d.value);
            } else {
                user = d.value;
                uid.reset();
            }
        }
    }
    json timer = json::object();
    std::string activates = unit_name.substr(0, unit_name.rfind('.')) + ".service";
    for (const auto& d : unit.directives) {
        if (d.section == "Timer") {
            if (d.key == "Unit") activates = d.value;
            timer[d.key].push_back(d.value);
        }
        const bool exec = std::find(std::begin(k_exec_keys), std::end(k_exec_keys), d.key) !=
                          std::end(k_exec_keys);
        // An empty assignment only resets earlier ones: nothing runs from it.
        if (!exec || d.section != "Service" || d.value.empty()) continue;
        Entry e;
        e.category = "systemd_unit";
        e.line = d.line;
        e.user = user;
        e.uid = uid;
        e.command = d.value;
        e.enabled = enabled;
        e.details = {{"unit", unit_name}, {"directive", d.key}, {"scope", scope.name}};
        if (drop_in) e.details["drop_in"] = true;
        e.target = TargetRule::command;
        e.program = autoruns::command_program(autoruns::strip_exec_prefixes(d.value));
        w.add(src, std::move(e));
    }
    if (unit_name_ends_with(unit_name, ".timer") && !drop_in) {
        Entry e;
        e.category = "systemd_timer";
        e.user = user;
        e.uid = uid;
        e.command = activates;
        e.enabled = enabled;
        e.details = {
            {"unit", unit_name}, {"scope", scope.name}, {"activates", activates}, {"timer", timer}};
        w.add(src, std::move(e));
    }
}

void walk_unit_dirs(Walker& w, const std::vector<std::string>& dirs, const std::string& tag,
                    const std::set<std::string>& enabled, const Scope& scope) {
    for (const auto& dir : dirs) {
        std::string canonical;
        for (const auto& name : w.list(dir, tag, canonical)) {
            if (w.ctx().should_stop()) return;
            const std::string path = child_path(canonical, name);
            if (is_unit_name(name)) {
                auto src = w.read(path);
                if (!src) continue;
                // An alias (a link named after another unit) is as enabled as what it names.
                bool on = enabled.count(name) > 0;
                if (src->link_target) {
                    const std::string& t = *src->link_target;
                    on = on || enabled.count(t.substr(t.rfind('/') + 1)) > 0;
                }
                emit_unit(w, *src, name, on, scope, false);
                continue;
            }
            // Drop-ins (<unit>.d/*.conf) add or replace Exec lines: a quiet place to persist.
            if (!unit_name_ends_with(name, ".d") || !is_unit_name(name.substr(0, name.size() - 2)))
                continue;
            const std::string unit_name = name.substr(0, name.size() - 2);
            std::string sub;
            for (const auto& conf : w.list(path, tag + ":dropin", sub)) {
                if (!unit_name_ends_with(conf, ".conf")) continue;
                if (auto src = w.read(child_path(sub, conf))) {
                    emit_unit(w, *src, unit_name, enabled.count(unit_name) > 0, scope, true);
                }
            }
        }
    }
}

}  // namespace

void walk_systemd(Walker& w) {
    const std::vector<std::string> system_dirs(std::begin(k_system_unit_dirs),
                                               std::end(k_system_unit_dirs));
    const std::vector<std::string> user_dirs(std::begin(k_user_unit_dirs),
                                             std::end(k_user_unit_dirs));
    std::set<std::string> system_enabled, user_enabled;
    collect_enabled(w, system_dirs, "system", system_enabled);
    collect_enabled(w, user_dirs, "user", user_enabled);
    walk_unit_dirs(w, system_dirs, "system", system_enabled,
                   {"system", std::nullopt, std::nullopt});
    walk_unit_dirs(w, user_dirs, "user", user_enabled, {"user", std::nullopt, std::nullopt});
    for (const auto& account : w.accounts()) {
        if (w.ctx().should_stop()) return;
        const std::vector<std::string> dirs{account.home + "/.config/systemd/user"};
        std::set<std::string> enabled = user_enabled;
        collect_enabled(w, dirs, "home:" + account.name, enabled);
        walk_unit_dirs(w, dirs, "home:" + account.name, enabled,
                       {"user", account.name, account.uid});
    }
}

void walk_generators(Walker& w) {
    for (const char* scope : {"system", "user"}) {
        for (const char* base : k_generator_bases) {
            std::string canonical;
            const std::string dir = std::string(base) + "/" + scope + "-generators";
            for (const auto& name : w.list(dir, "generators", canonical)) {
                if (w.ctx().should_stop()) return;
                auto src = w.read(child_path(canonical, name), ReadText::none);
                if (!src) continue;
                Entry e;
                e.category = "systemd_generator";
                // User generators run in each user's manager: no single account.
                if (std::string_view(scope) == "system") e.user = "root";
                e.command = src->path;
                e.enabled = (src->st.st_mode & 0111) != 0;  // systemd skips non-executables
                e.details = {{"scope", scope}};
                e.target = TargetRule::self;
                w.add(*src, std::move(e));
            }
        }
    }
}

}  // namespace irsnap::collectors::autoruns_impl
